// Service account issuer discovery, as Kubernetes serves it: an OpenID provider configuration and
// the JWKS of the service account verification keys, so other systems can check this cluster's
// tokens without asking it (TokenReview).

import type { ServerResponse } from 'node:http';
import { SIGNING_ALG } from '../../api/auth/sa-token.js';
import type { ServiceAccountTokens } from './options.js';

export const OIDC_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';

export function openIdConfiguration(t: ServiceAccountTokens) {
  return { issuer: t.issuer, jwks_uri: t.jwksUri, response_types_supported: ['id_token'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: [SIGNING_ALG] };
}

export function jwks(t: ServiceAccountTokens) {
  return { keys: t.keys.map((k) => k.jwk) };
}

/** Answers a discovery path; false when path is not one of them. Public caching as Kubernetes (an hour). */
export function serveIssuerDiscovery(res: ServerResponse, path: string, t: ServiceAccountTokens | undefined): boolean {
  if (!t || (path !== OIDC_CONFIGURATION_PATH && path !== JWKS_PATH)) return false;
  const config = path === OIDC_CONFIGURATION_PATH;
  const body = JSON.stringify(config ? openIdConfiguration(t) : jwks(t));
  res.writeHead(200, { 'Content-Type': config ? 'application/json' : 'application/jwk-set+json', 'Cache-Control': 'public, max-age=3600', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
  return true;
}
