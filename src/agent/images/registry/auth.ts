// Registry authentication (the Docker token flow): a 401 carries WWW-Authenticate with either
// Basic (send the credentials) or Bearer realm/service/scope (get a token from the realm, with the
// credentials as Basic auth when there are any, anonymously otherwise).

import type { PullAuth } from '../types.js';
import { readBody, request } from './http.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parse `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`. */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let p: RegExpExecArray | null; (p = re.exec(m[2])); ) params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  return { scheme: m[1].toLowerCase(), params };
}

export class AuthError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

function basic(auth: PullAuth): string {
  return `Basic ${Buffer.from(`${auth.username ?? ''}:${auth.password ?? ''}`).toString('base64')}`;
}

/** The Authorization header value that answers challenge for repository, or undefined for none. */
export async function authorize(challenge: Challenge, repository: string, auth: PullAuth | undefined, registry: string): Promise<string> {
  if (challenge.scheme === 'basic') {
    if (!auth?.username) throw new AuthError(`registry ${registry} requires a user name and password (add an imagePullSecret)`, 401);
    return basic(auth);
  }
  if (challenge.scheme !== 'bearer') throw new AuthError(`registry ${registry} asks for unsupported authentication "${challenge.scheme}"`);
  if (auth?.token && !auth.username) return `Bearer ${auth.token}`;
  const realm = challenge.params.realm;
  if (!realm) throw new AuthError(`registry ${registry} asks for a bearer token but names no token server (realm)`);
  const url = new URL(realm);
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', challenge.params.scope ?? `repository:${repository}:pull`);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (auth?.username) headers.authorization = basic(auth);
  const res = await request(url, { headers });
  const body = await readBody(res, 1 << 20);
  if (res.statusCode !== 200) {
    throw new AuthError(`token server ${url.host} refused a token for ${repository} (${res.statusCode})${auth?.username ? ': check the user name and password' : ': the image may be private (add an imagePullSecret)'}`, res.statusCode === 401 || res.statusCode === 403 ? 401 : undefined);
  }
  let token: string | undefined;
  try {
    const j = JSON.parse(body.toString('utf8'));
    token = j.token ?? j.access_token;
  } catch {
    /* fall through */
  }
  if (!token) throw new AuthError(`token server ${url.host} answered without a token`);
  return `Bearer ${token}`;
}
