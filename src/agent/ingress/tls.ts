// The ingress controller's certificates: one TLS context per TLS host from its Secret
// (kubernetes.io/tls: tls.crt, tls.key), picked by SNI, rebuilt only when the Secret changes (hot
// reload: the next handshake uses the new one). A Secret that is missing, not a key pair, or whose
// certificate does not cover the host is reported (a Warning event on the Ingress, once per Secret
// version) and the host is served with the controller's self-signed default certificate, as
// ingress-nginx does with its "Fake Certificate": never a failed handshake, never a crash.

import { createSecureContext, type SecureContext } from 'node:tls';
import { X509Certificate, webcrypto, randomBytes } from 'node:crypto';
import type { RoutingTable, TlsHost } from './routing.js';
import { tlsFor } from './routing.js';

export interface SecretLike {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  type?: string;
  data?: Record<string, string>;
}

export interface CertProblem {
  tls: TlsHost;
  message: string;
}

interface Entry {
  /** uid/resourceVersion of the Secret it was built from. */
  version: string;
  context?: SecureContext;
  cert?: X509Certificate;
  problem?: string;
}

/** Builds the context of a Secret, or says why it cannot serve. */
export function contextOfSecret(secret: SecretLike | undefined): { context?: SecureContext; cert?: X509Certificate; problem?: string } {
  if (!secret) return { problem: 'the Secret does not exist' };
  const crt = secret.data?.['tls.crt'];
  const key = secret.data?.['tls.key'];
  if (!crt || !key) return { problem: 'the Secret has no tls.crt and tls.key' };
  const certPem = Buffer.from(crt, 'base64');
  const keyPem = Buffer.from(key, 'base64');
  try {
    const cert = new X509Certificate(certPem);
    const context = createSecureContext({ cert: certPem, key: keyPem });
    return { context, cert };
  } catch (e) {
    return { problem: `the certificate and key cannot be used: ${(e as Error).message}` };
  }
}

/** Whether a certificate covers a host; a wildcard TLS host ("*.x") needs a wildcard name. */
export function certCovers(cert: X509Certificate, host: string): boolean {
  if (host.startsWith('*.')) {
    // checkHost matches a wildcard certificate against a concrete name; any one label stands in.
    return cert.checkHost(`gifee-wildcard-check${host.slice(1)}`, { wildcards: true, partialWildcards: false }) !== undefined;
  }
  return cert.checkHost(host, { wildcards: true, partialWildcards: false }) !== undefined;
}

export class CertificateStore {
  private byHost = new Map<string, { tls: TlsHost; context: SecureContext }>();
  private bySecret = new Map<string, Entry>();
  private table: Pick<RoutingTable, 'tls'> = { tls: new Map() };
  private reported = new Set<string>();

  constructor(readonly defaultContext: SecureContext) {}

  /** Rebuilds the host → context map for a routing table; returns the hosts that fall back to the default certificate (new problems only). */
  update(table: Pick<RoutingTable, 'tls'>, secret: (namespace: string, name: string) => SecretLike | undefined): CertProblem[] {
    const problems: CertProblem[] = [];
    const byHost = new Map<string, { tls: TlsHost; context: SecureContext }>();
    const seen = new Set<string>();
    const reported = new Set<string>();
    for (const t of table.tls.values()) {
      const key = `${t.namespace}/${t.secret}`;
      seen.add(key);
      const s = secret(t.namespace, t.secret);
      const version = s ? `${s.metadata?.uid}/${s.metadata?.resourceVersion}` : 'missing';
      let entry = this.bySecret.get(key);
      if (!entry || entry.version !== version) {
        entry = { version, ...contextOfSecret(s) };
        this.bySecret.set(key, entry);
      }
      let problem = entry.problem;
      if (!problem && entry.cert && !certCovers(entry.cert, t.host)) problem = `the certificate of Secret ${key} does not cover ${t.host}`;
      if (problem) {
        // Once per host, Secret version and problem: recompiles for other reasons repeat nothing.
        const said = `${t.host}|${t.ingress}|${version}|${problem}`;
        if (!this.reported.has(said)) problems.push({ tls: t, message: problem });
        reported.add(said);
        continue;
      }
      byHost.set(t.host, { tls: t, context: entry.context! });
    }
    for (const k of this.bySecret.keys()) if (!seen.has(k)) this.bySecret.delete(k);
    this.byHost = byHost;
    this.table = table;
    this.reported = reported;
    return problems;
  }

  /** The context for an SNI name (exact, then wildcard), else the default certificate's. */
  contextFor(servername: string | undefined): SecureContext {
    if (!servername) return this.defaultContext;
    const t = tlsFor(this.table, servername);
    return (t && this.byHost.get(t.host)?.context) || this.defaultContext;
  }

  /** Hosts served with their own certificate (for tests and logs). */
  servedHosts(): string[] {
    return [...this.byHost.keys()];
  }
}

/** The controller's default certificate: self-signed, generated at start, never written to disk. */
export async function selfSignedCertificate(commonName = 'Gifee Ingress Controller Fake Certificate'): Promise<{ cert: string; key: string }> {
  await import('reflect-metadata'); // @peculiar/x509's dependency injection needs it first
  const x = await import('@peculiar/x509');
  x.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${randomBytes(15).toString('hex')}`,
    name: `CN=${commonName}, O=Acme Co`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * 24 * 3600 * 1000),
    keys,
    signingAlgorithm: alg,
    extensions: [new x.SubjectAlternativeNameExtension([{ type: 'dns', value: 'ingress.local' }], false), new x.ExtendedKeyUsageExtension([x.ExtendedKeyUsage.serverAuth], false)],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { cert: `${cert.toString('pem')}\n`, key };
}
