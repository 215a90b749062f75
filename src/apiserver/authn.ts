// Authentication: a client certificate signed by the cluster CA names the user (CN) and groups (O),
// as in Kubernetes. Bearer tokens go to the token authenticators (service account tokens, bootstrap
// tokens, OIDC ID tokens...), which TokenReview asks too. A bearer token nobody accepts is a 401,
// never a fall-through to anonymous (as in Kubernetes).

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

export interface TokenResult {
  user: UserInfo;
  /** The audiences the token is valid for, of those asked (TokenReview reports them). */
  audiences?: string[];
}

/** Checks one bearer token; null when the token is not one of its kind or not valid (never throws for bad input). */
export interface TokenAuthenticator {
  readonly name: string;
  authenticateToken(token: string, audiences?: string[]): Promise<TokenResult | null> | TokenResult | null;
}

/** The first token authenticator that accepts the token decides. */
export async function authenticateToken(authenticators: readonly TokenAuthenticator[], token: string, audiences?: string[]): Promise<TokenResult | null> {
  for (const a of authenticators) {
    const r = await a.authenticateToken(token, audiences);
    if (r) return r;
  }
  return null;
}

/** The bearer token of a request: undefined without one; '' for a malformed Authorization header. */
export function bearerTokenOf(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : '';
}

/** Why a request is not authenticated: no credentials at all (anonymous may apply) or bad ones (always 401). */
export type AuthnOutcome = { user: UserInfo } | { user: null; credentialsPresented: boolean };

export async function authenticate(req: IncomingMessage, authenticators: Authenticator[], tokens: readonly TokenAuthenticator[] = []): Promise<AuthnOutcome> {
  for (const a of authenticators) {
    const u = await a(req);
    if (u) return { user: u };
  }
  const token = bearerTokenOf(req);
  if (token === undefined) return { user: null, credentialsPresented: false };
  const r = token ? await authenticateToken(tokens, token) : null;
  return r ? { user: r.user } : { user: null, credentialsPresented: true };
}
