// A real OpenID Connect provider (the `oidc-provider` package, v8) on 127.0.0.1 over HTTPS with a
// certificate of the test's own CA, and a client that obtains real ID tokens from it.
//
// How tokens are obtained: the authorization-code flow with PKCE, driven programmatically through
// oidc-provider's devInteractions (its built-in development login and consent pages): GET /auth
// redirects to /interaction/UID, whose login form is POSTed (prompt=login, any login name), then the
// consent form (prompt=consent); the last redirect carries ?code=, which POST /token exchanges (client
// secret basic) for the ID token. conformIdTokenClaims: false puts email and groups in the ID token
// itself. Cookies between steps are kept by hand. Keys are the test's own RSA JWKs, so the test can
// also sign tokens with them (expired ones) and rotate them (restart with a new key first).

import https from 'node:https';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

export interface SigningKey {
  kid: string;
  /** Private JWK (the provider signs with it; tests may too). */
  jwk: JWK;
  privateKey: CryptoKey;
}

export async function newSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, jwk, privateKey };
}

export interface OidcProviderOptions {
  port: number;
  tls: { cert: string; key: string };
  /** CA of the provider's certificate, for this helper's own requests. */
  ca: string;
  /** Signing keys; the first one signs. */
  keys: SigningKey[];
  /** Groups by login name. */
  groups?: Record<string, string[]>;
}

export const REDIRECT_URI = 'https://127.0.0.1/callback';
export const CLIENTS = { kubernetes: 'kubernetes-secret', other: 'other-secret' } as const;

export interface RunningProvider {
  issuer: string;
  /** A fresh ID token for this login name, issued to this client. */
  idToken(login: string, clientId?: keyof typeof CLIENTS): Promise<string>;
  close(): Promise<void>;
}

export async function startOidcProvider(o: OidcProviderOptions): Promise<RunningProvider> {
  const issuer = `https://127.0.0.1:${o.port}`;
  const provider = new Provider(issuer, {
    clients: Object.entries(CLIENTS).map(([client_id, client_secret]) => ({ client_id, client_secret, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code'], response_types: ['code'] })),
    jwks: { keys: o.keys.map((k) => k.jwk) },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['test-cookie-key'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 3600, IdToken: 3600 },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ sub: id, email: `${id}@example.test`, email_verified: true, groups: o.groups?.[id] ?? [] }),
    }),
  });
  // oidc-provider logs every interaction error to the console by default; the tests need none of it.
  provider.on('server_error', () => {});
  const server = https.createServer({ cert: o.tls.cert, key: o.tls.key }, provider.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  if (port !== o.port) throw new Error('provider port mismatch');
  return {
    issuer,
    idToken: (login, clientId = 'kubernetes') => codeFlow(issuer, o.ca, login, clientId),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function request(url: string, ca: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) }, agent: false, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function codeFlow(issuer: string, ca: string, login: string, clientId: keyof typeof CLIENTS): Promise<string> {
  const cookies = new Map<string, string>();
  const keep = (a: Answer) => {
    const set = a.headers['set-cookie'] ?? [];
    for (const c of Array.isArray(set) ? set : [set]) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      cookies.set(pair.slice(0, i), pair.slice(i + 1));
    }
  };
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const q = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid email groups', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256', state: 's', nonce: 'n' });
  let url = `${issuer}/auth?${q}`;
  let code: string | undefined;
  for (let step = 0; step < 12 && !code; step++) {
    const a = await request(url, ca, 'GET', { cookie: cookieHeader() });
    keep(a);
    if (a.status >= 300 && a.status < 400) {
      const next = new URL(String(a.headers.location), url);
      if (next.href.startsWith(REDIRECT_URI)) {
        code = next.searchParams.get('code') ?? undefined;
        if (!code) throw new Error(`the provider refused: ${next.search}`);
      } else url = next.href;
      continue;
    }
    // An interaction page: the login form first, then consent. Its form posts back to the same URL.
    if (a.status !== 200) throw new Error(`GET ${url}: ${a.status} ${a.body.slice(0, 300)}`);
    const form: Record<string, string> = /name="login"/.test(a.body) ? { prompt: 'login', login, password: 'any' } : { prompt: 'consent' };
    const post = await request(url, ca, 'POST', { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams(form).toString());
    keep(post);
    if (post.status < 300 || post.status >= 400) throw new Error(`POST ${url}: ${post.status} ${post.body.slice(0, 300)}`);
    url = new URL(String(post.headers.location), url).href;
  }
  if (!code) throw new Error('the authorization-code flow did not end with a code');
  const basic = Buffer.from(`${clientId}:${CLIENTS[clientId]}`).toString('base64');
  const t = await request(`${issuer}/token`, ca, 'POST', { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString());
  if (t.status !== 200) throw new Error(`POST /token: ${t.status} ${t.body}`);
  const idToken = JSON.parse(t.body).id_token;
  if (typeof idToken !== 'string') throw new Error(`no id_token in ${t.body}`);
  return idToken;
}
