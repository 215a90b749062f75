// Service account tokens as Kubernetes writes them: the claims of bound tokens (TokenRequest: iss,
// sub, aud, exp, iat, nbf, jti and the kubernetes.io claim naming the namespace, service account and
// the pod, secret or node the token is bound to) and of legacy Secret tokens (issuer
// kubernetes/serviceaccount, never expiring), signed ES256 with the cluster's service account key.
// Shared by the API server (TokenRequest, authentication) and the legacy token controller.

import { createHash, createPublicKey } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';

export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
/** The issuer of legacy (Secret-based) tokens, whatever --service-account-issuer says. */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
export const SIGNING_ALG = 'ES256';

export interface ObjectRef {
  name: string;
  uid: string;
}

export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export interface BoundClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': KubernetesClaim;
}

export interface LegacyClaims {
  iss: typeof LEGACY_ISSUER;
  sub: string;
  'kubernetes.io/serviceaccount/namespace': string;
  'kubernetes.io/serviceaccount/secret.name': string;
  'kubernetes.io/serviceaccount/service-account.name': string;
  'kubernetes.io/serviceaccount/service-account.uid': string;
}

export const serviceAccountUser = (namespace: string, name: string) => `${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${name}`;

/** Namespace and name of a system:serviceaccount:NS:NAME user; undefined for other names. */
export function parseServiceAccountUser(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SERVICE_ACCOUNT_USER_PREFIX)) return undefined;
  const rest = user.slice(SERVICE_ACCOUNT_USER_PREFIX.length).split(':');
  if (rest.length !== 2 || !rest[0] || !rest[1]) return undefined;
  return { namespace: rest[0], name: rest[1] };
}

export interface BoundTokenInput {
  issuer: string;
  audiences: string[];
  /** Seconds since the epoch. */
  now: number;
  expirationSeconds: number;
  namespace: string;
  serviceAccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
  jti: string;
}

export function boundClaims(i: BoundTokenInput): BoundClaims {
  const k8s: KubernetesClaim = { namespace: i.namespace, serviceaccount: { name: i.serviceAccount.name, uid: i.serviceAccount.uid } };
  if (i.pod) k8s.pod = { name: i.pod.name, uid: i.pod.uid };
  if (i.secret) k8s.secret = { name: i.secret.name, uid: i.secret.uid };
  if (i.node) k8s.node = { name: i.node.name, uid: i.node.uid };
  return { aud: [...i.audiences], exp: i.now + i.expirationSeconds, iat: i.now, iss: i.issuer, jti: i.jti, 'kubernetes.io': k8s, nbf: i.now, sub: serviceAccountUser(i.namespace, i.serviceAccount.name) };
}

export function legacyClaims(namespace: string, serviceAccount: ObjectRef, secretName: string): LegacyClaims {
  return {
    iss: LEGACY_ISSUER,
    'kubernetes.io/serviceaccount/namespace': namespace,
    'kubernetes.io/serviceaccount/secret.name': secretName,
    'kubernetes.io/serviceaccount/service-account.name': serviceAccount.name,
    'kubernetes.io/serviceaccount/service-account.uid': serviceAccount.uid,
    sub: serviceAccountUser(namespace, serviceAccount.name),
  };
}

/** Kubernetes' key id: the unpadded base64url SHA-256 of the public key's DER (SubjectPublicKeyInfo). */
export function keyIdOf(publicOrPrivateKeyPem: string): string {
  const der = createPublicKey(publicOrPrivateKeyPem).export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(der).digest('base64url');
}

/** Signs claims with a PKCS#8 P-256 private key; the header names the key (kid) so verifiers find it. */
export class TokenSigner {
  readonly kid: string;
  private key: Promise<CryptoKey>;

  constructor(privateKeyPem: string) {
    this.kid = keyIdOf(privateKeyPem);
    this.key = importPKCS8(privateKeyPem, SIGNING_ALG);
  }

  async sign(claims: BoundClaims | LegacyClaims): Promise<string> {
    return new SignJWT({ ...claims } as unknown as Record<string, unknown>).setProtectedHeader({ alg: SIGNING_ALG, kid: this.kid }).sign(await this.key);
  }
}
