// Authentication: a client certificate signed by the cluster CA names the user (CN) and groups (O),
// as in Kubernetes. Further authenticators (bearer tokens) plug in through the list passed to the server.

import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from './context.js';

export type Authenticator = (req: IncomingMessage) => Promise<UserInfo | null> | UserInfo | null;

/** Users by connection: a certificate is verified once per TLS connection, not once per request. */
const byConnection = new WeakMap<TLSSocket, UserInfo | null>();

/** Reads CN and O out of a verified client certificate. */
export const clientCertAuthenticator: Authenticator = (req) => {
  const sock = req.socket as TLSSocket;
  if (byConnection.has(sock)) return byConnection.get(sock)!;
  const user = userOf(sock);
  byConnection.set(sock, user);
  return user;
};

function userOf(sock: TLSSocket): UserInfo | null {
  if (!sock.authorized) return null;
  const cert = sock.getPeerCertificate?.();
  if (!cert?.subject) return null;
  const cn = cert.subject.CN;
  if (!cn) return null;
  const o = cert.subject.O;
  const groups = Array.isArray(o) ? o : o ? [o] : [];
  return { name: Array.isArray(cn) ? cn[0] : cn, groups: [...groups, 'system:authenticated'] };
}

export async function authenticate(req: IncomingMessage, authenticators: Authenticator[]): Promise<UserInfo | null> {
  for (const a of authenticators) {
    const u = await a(req);
    if (u) return u;
  }
  return null;
}
