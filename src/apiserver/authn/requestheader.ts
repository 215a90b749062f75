// Request header authentication (kube-apiserver's --requestheader-* flags): a front proxy that
// presents a client certificate signed by the requestheader client CA, with a CN among the allowed
// names (any, when none are listed), says who the user is in headers (X-Remote-User,
// X-Remote-Group, X-Remote-Extra-<key>). The same settings are published in the
// extension-apiserver-authentication ConfigMap for extension API servers, which trust this server
// the same way (aggregator/). Client certificates are also checked for which CA issued them, since
// the TLS listener trusts both the cluster CA and the requestheader CA.

import { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ApiError } from '../../api/errors.js';
import type { Authenticator } from '../authn.js';
import type { UserInfo } from '../context.js';

export interface RequestHeaderOptions {
  /** PEM bundle of CAs that sign front proxies' client certificates. */
  clientCA: string;
  /** CNs a front proxy's certificate may have; empty: any certificate the CA signed. */
  allowedNames: string[];
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

export const REQUEST_HEADER_DEFAULTS = { usernameHeaders: ['X-Remote-User'], groupHeaders: ['X-Remote-Group'], extraHeaderPrefixes: ['X-Remote-Extra-'] };

/** The certificates of a PEM bundle (bad blocks are skipped). */
export function parseCertBundle(pem: string): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)) {
    try {
      out.push(new X509Certificate(m[0]));
    } catch {
      // not a certificate: ignored, as a CA bundle's junk is by crypto/x509
    }
  }
  return out;
}

/** Whether cert was issued (and signed) by one of the CAs. */
export function issuedByOneOf(cert: X509Certificate, cas: readonly X509Certificate[]): boolean {
  return cas.some((ca) => {
    try {
      return cert.checkIssued(ca) && cert.verify(ca.publicKey);
    } catch {
      return false;
    }
  });
}

function peerCert(req: IncomingMessage): X509Certificate | undefined {
  const sock = req.socket as TLSSocket;
  if (!sock.authorized || typeof sock.getPeerX509Certificate !== 'function') return undefined;
  return sock.getPeerX509Certificate();
}

/** Values of a header, each comma-free value a separate entry (Node joins repeated headers with ", " except a few). */
function headerValues(req: IncomingMessage, name: string): string[] {
  const out: string[] = [];
  const raw = req.rawHeaders;
  const lower = name.toLowerCase();
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === lower) out.push(raw[i + 1]);
  return out;
}

/** Kubernetes: extra keys travel URL-escaped in the header name and are lower-cased. */
function unescapeExtraKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded).toLowerCase();
  } catch {
    return encoded.toLowerCase();
  }
}

/** The user a front proxy names in headers; null without a username header. */
export function userFromHeaders(req: IncomingMessage, o: Pick<RequestHeaderOptions, 'usernameHeaders' | 'groupHeaders' | 'extraHeaderPrefixes'>): UserInfo | null {
  let name = '';
  for (const h of o.usernameHeaders) {
    name = headerValues(req, h)[0] ?? '';
    if (name) break;
  }
  if (!name) return null;
  const groups = o.groupHeaders.flatMap((h) => headerValues(req, h)).filter((g) => g !== '');
  const extra: Record<string, string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    const prefix = o.extraHeaderPrefixes.find((p) => lower.startsWith(p.toLowerCase()));
    if (!prefix) continue;
    const key = unescapeExtraKey(raw[i].slice(prefix.length));
    if (key) (extra[key] ??= []).push(raw[i + 1]);
  }
  // Like every authenticated user (Kubernetes' authenticated-group adder).
  if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
  return { name, groups, ...(Object.keys(extra).length ? { extra } : {}) };
}

/** Authenticates front proxies' requests; a certificate of the requestheader CA whose CN is not allowed is a 401. */
export function requestHeaderAuthenticator(o: RequestHeaderOptions): Authenticator {
  const cas = parseCertBundle(o.clientCA);
  const allowed = new Set(o.allowedNames);
  return (req) => {
    const cert = peerCert(req);
    if (!cert || !issuedByOneOf(cert, cas)) return null;
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? '';
    if (allowed.size > 0 && !allowed.has(cn)) {
      throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    }
    return userFromHeaders(req, o);
  };
}

/** Client certificates as users (CN, O), only when the cluster's client CA issued them (not the requestheader CA). */
export function clientCertAuthenticatorFor(clientCA: string, base: Authenticator): Authenticator {
  const cas = parseCertBundle(clientCA);
  const verdict = new WeakMap<object, boolean>();
  return (req) => {
    const sock = req.socket;
    let ok = verdict.get(sock);
    if (ok === undefined) {
      const cert = peerCert(req);
      ok = cert ? issuedByOneOf(cert, cas) : false;
      verdict.set(sock, ok);
    }
    return ok ? base(req) : null;
  };
}
