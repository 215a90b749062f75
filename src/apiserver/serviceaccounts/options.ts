// How the API server issues and checks service account tokens (Kubernetes' --service-account-*
// flags), and the per-server settings derived from them once at start.

import { createPublicKey } from 'node:crypto';
import { importSPKI } from 'jose';
import { keyIdOf, SIGNING_ALG, TokenSigner } from '../../api/auth/sa-token.js';
import type { ApiState } from '../context.js';

export interface ServiceAccountOptions {
  /** PKCS#8 PEM of the P-256 key that signs tokens (--service-account-signing-key-file). */
  signingKey: string;
  /** More SPKI PEM public keys whose tokens are accepted (key rotation); the signing key's own is always one. */
  publicKeys?: string[];
  /** The iss claim written and required (--service-account-issuer). */
  issuer: string;
  /** Audiences the API server accepts (--api-audiences; default: the issuer). */
  apiAudiences?: string[];
  /** The longest token TokenRequest issues, in seconds (--service-account-max-token-expiration; default 48 h). */
  maxExpirationSeconds?: number;
  /** The jwks_uri of the discovery document (--service-account-jwks-uri; default: the API server's external address + /openid/v1/jwks). */
  jwksUri?: string;
}

export const DEFAULT_MAX_EXPIRATION_SECONDS = 48 * 3600;

export interface VerificationKey {
  kid: string;
  key: CryptoKey;
  /** The public JWK served at /openid/v1/jwks. */
  jwk: Record<string, unknown>;
}

export interface ServiceAccountTokens {
  issuer: string;
  apiAudiences: string[];
  maxExpirationSeconds: number;
  /** Set to the server's external address once it listens, unless given. */
  jwksUri: string;
  signer: TokenSigner;
  keys: VerificationKey[];
}

const byState = new WeakMap<ApiState, ServiceAccountTokens>();

/** The server's token settings; undefined when it issues no service account tokens. */
export const serviceAccountTokensOf = (state: ApiState) => byState.get(state);

export async function resolveServiceAccountTokens(state: ApiState, o: ServiceAccountOptions): Promise<ServiceAccountTokens> {
  const signer = new TokenSigner(o.signingKey);
  const pems = [createPublicKey(o.signingKey).export({ format: 'pem', type: 'spki' }).toString(), ...(o.publicKeys ?? [])];
  const keys: VerificationKey[] = [];
  for (const pem of pems) {
    const kid = keyIdOf(pem);
    if (keys.some((k) => k.kid === kid)) continue;
    const jwk = createPublicKey(pem).export({ format: 'jwk' }) as Record<string, unknown>;
    keys.push({ kid, key: await importSPKI(pem, SIGNING_ALG), jwk: { use: 'sig', kty: jwk.kty, kid, crv: jwk.crv, alg: SIGNING_ALG, x: jwk.x, y: jwk.y } });
  }
  const t: ServiceAccountTokens = {
    issuer: o.issuer,
    apiAudiences: o.apiAudiences?.length ? [...o.apiAudiences] : [o.issuer],
    maxExpirationSeconds: o.maxExpirationSeconds ?? DEFAULT_MAX_EXPIRATION_SECONDS,
    jwksUri: o.jwksUri ?? `${o.issuer.replace(/\/+$/, '')}/openid/v1/jwks`,
    signer,
    keys,
  };
  byState.set(state, t);
  return t;
}
