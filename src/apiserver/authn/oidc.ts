// OpenID Connect ID tokens as bearer tokens (kube-apiserver's --oidc-* flags): the signature is checked
// against the issuer's published keys (oidc-keys.ts), then iss, aud (the client id), exp and nbf, then
// the claims are mapped to a user (oidc-claims.ts). A token that fails any check is simply not
// accepted: the caller answers 401 without saying why.

import { decodeJwt, jwtVerify } from 'jose';
import type { Logger } from '../../util/log.js';
import type { TokenAuthenticator, TokenResult } from '../authn.js';
import { type ClaimMapping, userOfClaims } from './oidc-claims.js';
import { IssuerKeys } from './oidc-keys.js';

/** Algorithms kube-apiserver accepts in --oidc-signing-algs. */
export const OIDC_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512'];

export interface OidcOptions extends Omit<ClaimMapping, 'issuer'> {
  issuerURL: string;
  clientID: string;
  /** PEM CA bundle for the issuer's HTTPS (--oidc-ca-file). */
  ca?: string;
  signingAlgs?: string[];
  /** Allow an http issuer: tests only, never from flags. */
  allowInsecureIssuer?: boolean;
  /** Least time between JWKS refetches caused by unknown key ids (default 1s). */
  jwksRefetchIntervalMs?: number;
  /** Where failures to reach the issuer are reported. */
  log?: Logger;
}

/** Longest token looked at: ID tokens are a few kB. */
const MAX_TOKEN_BYTES = 16 * 1024;

export function validateOidcOptions(o: OidcOptions): string | undefined {
  let u: URL;
  try {
    u = new URL(o.issuerURL);
  } catch {
    return `--oidc-issuer-url: "${o.issuerURL}" is not a URL`;
  }
  if (u.protocol !== 'https:' && !(o.allowInsecureIssuer && u.protocol === 'http:')) return `--oidc-issuer-url must be an https URL, not "${o.issuerURL}"`;
  if (u.search || u.hash || u.username || u.password) return '--oidc-issuer-url must not have a query, fragment or credentials';
  if (!o.clientID) return '--oidc-client-id is required with --oidc-issuer-url';
  for (const a of o.signingAlgs ?? []) if (!OIDC_ALGS.includes(a)) return `--oidc-signing-algs: ${a} is not one of ${OIDC_ALGS.join(', ')}`;
  return undefined;
}

export class OidcAuthenticator implements TokenAuthenticator {
  readonly name = 'oidc';
  readonly keys: IssuerKeys;
  private readonly mapping: ClaimMapping;

  constructor(private readonly o: OidcOptions) {
    const bad = validateOidcOptions(o);
    if (bad) throw new Error(bad);
    this.keys = new IssuerKeys(o.issuerURL, {
      ca: o.ca,
      timeoutMs: 5000,
      maxBytes: 1024 * 1024,
      allowInsecure: o.allowInsecureIssuer,
      refetchIntervalMs: o.jwksRefetchIntervalMs ?? 5000,
      maxAgeMs: 10 * 60_000,
      retryAfterMs: 1000,
      onError: (message) => o.log?.warn('cannot fetch the OIDC issuer keys; its tokens fail until it answers', { issuer: o.issuerURL, err: message }),
    });
    this.mapping = { ...o, issuer: o.issuerURL };
  }

  /** Warm the key cache in the background (start-up does not wait for it, nor fail with it). */
  prefetch(): void {
    void this.keys.refresh();
  }

  async authenticateToken(token: string): Promise<TokenResult | null> {
    if (token.length > MAX_TOKEN_BYTES) return null;
    // Not a JWT from this issuer: leave it to the other token authenticators, without network work.
    try {
      if (decodeJwt(token).iss !== this.o.issuerURL) return null;
    } catch {
      return null;
    }
    try {
      const { payload } = await jwtVerify(token, this.keys.getKey, { issuer: this.o.issuerURL, audience: this.o.clientID, algorithms: this.o.signingAlgs ?? ['RS256'], requiredClaims: ['exp'] });
      const user = userOfClaims(payload as Record<string, unknown>, this.mapping);
      return user ? { user } : null;
    } catch {
      return null;
    }
  }
}
