// The headers a proxied request carries to an extension API server: the client's, minus its
// credentials, impersonation and any identity headers it forged, plus the user this server
// authenticated and authorized, in the requestheader headers (X-Remote-User, X-Remote-Group,
// X-Remote-Extra-<escaped key>), which the extension server trusts because of the front-proxy
// client certificate the connection presents.

import type { OutgoingHttpHeaders } from 'node:http';
import type { UserInfo } from '../context.js';

export interface IdentityHeaderNames {
  usernameHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

/** Hop-by-hop headers (RFC 9110 7.6.1), never forwarded on a plain request. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/** The extension server learns the user from the identity headers only. */
const CREDENTIALS = new Set(['authorization', 'cookie']);

/** Kubernetes escapes extra keys for the header name: anything but unreserved characters is %XX. */
export function escapeExtraKey(key: string): string {
  return encodeURIComponent(key).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Header values must not carry CR/LF/NUL (a user name from an OIDC claim is not trusted to be clean). */
const clean = (v: string) => !/[\r\n\0]/.test(v);

/**
 * The headers to send upstream. upgrade: an Upgrade request (exec-like, WebSocket) whose
 * Connection and Upgrade headers must go through.
 */
export function forwardedHeaders(rawHeaders: readonly string[], user: UserInfo, names: IdentityHeaderNames, upgrade = false): OutgoingHttpHeaders {
  const identity = new Set([...names.usernameHeaders, ...names.groupHeaders, 'x-remote-user', 'x-remote-group'].map((h) => h.toLowerCase()));
  const prefixes = [...names.extraHeaderPrefixes, 'x-remote-extra-'].map((p) => p.toLowerCase());
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i].toLowerCase();
    if (CREDENTIALS.has(lower) || lower.startsWith('impersonate-') || identity.has(lower) || prefixes.some((p) => lower.startsWith(p))) continue;
    if (HOP_BY_HOP.has(lower) && !(upgrade && (lower === 'connection' || lower === 'upgrade'))) continue;
    if (lower === 'host') continue;
    const v = rawHeaders[i + 1];
    const prev = out[lower];
    out[lower] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  if (clean(user.name)) out[names.usernameHeaders[0] ?? 'X-Remote-User'] = user.name;
  const groups = user.groups.filter(clean);
  if (groups.length) out[names.groupHeaders[0] ?? 'X-Remote-Group'] = groups;
  const prefix = names.extraHeaderPrefixes[0] ?? 'X-Remote-Extra-';
  for (const [k, vs] of Object.entries(user.extra ?? {})) {
    const values = vs.filter(clean);
    if (values.length) out[`${prefix}${escapeExtraKey(k)}`] = values;
  }
  return out;
}

/** Response headers passed back to the client: hop-by-hop ones are the proxy's own business. */
export function returnedHeaders(rawHeaders: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i].toLowerCase();
    if (HOP_BY_HOP.has(lower)) continue;
    const v = rawHeaders[i + 1];
    const prev = out[lower];
    out[lower] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
