// The service account token authenticator: a JWT signed by one of this cluster's service account
// keys, from its issuer (or a legacy Secret token), for one of the audiences asked (the API's by
// default), not expired (60 s leeway, as Kubernetes), whose service account still exists with the
// same uid and whose bound pod, secret or node does too. Anything else is "not mine": null, never a
// reason (a 401 tells the client nothing). Work per token is bounded: oversized tokens and tokens
// not signed with a known key id are dropped before any signature check.

import { jwtVerify, decodeProtectedHeader, type JWTPayload } from 'jose';
import { LEGACY_ISSUER, SERVICE_ACCOUNTS_GROUP, SIGNING_ALG, serviceAccountUser, type KubernetesClaim } from '../../api/auth/sa-token.js';
import type { TokenAuthenticator, TokenResult } from '../authn.js';
import type { ApiState, UserInfo } from '../context.js';
import { lookup, stillValid } from './lookup.js';
import type { ServiceAccountTokens } from './options.js';

/** Longer than any token this server issues (about 1 KiB) with room for rotation; longer ones are not ours. */
export const MAX_TOKEN_LENGTH = 8192;
const LEEWAY_SECONDS = 60;
const LEGACY_PREFIX = 'kubernetes.io/serviceaccount/';

export class ServiceAccountTokenAuthenticator implements TokenAuthenticator {
  readonly name = 'serviceaccount';

  constructor(
    private state: ApiState,
    private t: ServiceAccountTokens,
    private now: () => number = Date.now,
  ) {}

  async authenticateToken(token: string, audiences?: string[]): Promise<TokenResult | null> {
    try {
      return await this.check(token, audiences?.length ? audiences : this.t.apiAudiences);
    } catch {
      return null;
    }
  }

  private async check(token: string, wanted: string[]): Promise<TokenResult | null> {
    if (token.length > MAX_TOKEN_LENGTH || token.split('.').length !== 3) return null;
    const header = decodeProtectedHeader(token);
    if (header.alg !== SIGNING_ALG) return null;
    const key = header.kid === undefined && this.t.keys.length === 1 ? this.t.keys[0] : this.t.keys.find((k) => k.kid === header.kid);
    if (!key) return null;
    const { payload } = await jwtVerify(token, key.key, { algorithms: [SIGNING_ALG], issuer: [this.t.issuer, LEGACY_ISSUER], clockTolerance: LEEWAY_SECONDS, currentDate: new Date(this.now()) });
    return payload.iss === LEGACY_ISSUER ? this.legacy(token, payload, wanted) : this.bound(payload, wanted);
  }

  private async bound(p: JWTPayload, wanted: string[]): Promise<TokenResult | null> {
    if (typeof p.exp !== 'number') return null;
    const aud = typeof p.aud === 'string' ? [p.aud] : Array.isArray(p.aud) ? p.aud : [];
    const audiences = wanted.filter((a) => aud.includes(a));
    if (audiences.length === 0) return null;
    const k = p['kubernetes.io'] as KubernetesClaim | undefined;
    if (!k || typeof k !== 'object' || !isRef(k.serviceaccount) || typeof k.namespace !== 'string') return null;
    if (p.sub !== serviceAccountUser(k.namespace, k.serviceaccount.name)) return null;
    const now = this.now();
    const sa = await lookup(this.state, 'serviceaccounts', k.namespace, k.serviceaccount.name);
    if (!sa || sa.metadata?.uid !== k.serviceaccount.uid) return null;
    const extra: Record<string, string[]> = {};
    if (k.pod !== undefined) {
      if (!isRef(k.pod) || !stillValid(await lookup(this.state, 'pods', k.namespace, k.pod.name), k.pod.uid, now)) return null;
      extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
    }
    if (k.secret !== undefined) {
      if (!isRef(k.secret) || !stillValid(await lookup(this.state, 'secrets', k.namespace, k.secret.name), k.secret.uid, now)) return null;
    }
    if (k.node !== undefined) {
      if (!isRef(k.node)) return null;
      // As Kubernetes: a pod-bound token's node is informational (the pod check covers it); a node-bound one needs the node.
      if (k.pod === undefined && !stillValid(await lookup(this.state, 'nodes', undefined, k.node.name), k.node.uid, now)) return null;
      extra['authentication.kubernetes.io/node-name'] = [k.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [k.node.uid];
    }
    if (typeof p.jti === 'string' && p.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${p.jti}`];
    return { user: userOf(k.namespace, k.serviceaccount.name, k.serviceaccount.uid, extra), audiences };
  }

  /** A token from a kubernetes.io/service-account-token Secret: valid while that Secret holds it and its account exists. */
  private async legacy(token: string, p: JWTPayload, wanted: string[]): Promise<TokenResult | null> {
    const ns = p[`${LEGACY_PREFIX}namespace`];
    const secretName = p[`${LEGACY_PREFIX}secret.name`];
    const saName = p[`${LEGACY_PREFIX}service-account.name`];
    const saUid = p[`${LEGACY_PREFIX}service-account.uid`];
    if (typeof ns !== 'string' || typeof secretName !== 'string' || typeof saName !== 'string' || typeof saUid !== 'string') return null;
    if (p.sub !== serviceAccountUser(ns, saName)) return null;
    // Legacy tokens carry no audience: they are good for the API's own audiences only.
    if (!wanted.some((a) => this.t.apiAudiences.includes(a))) return null;
    const secret = await lookup(this.state, 'secrets', ns, secretName);
    const data = secret?.data as Record<string, string> | undefined;
    if (!secret || secret.metadata?.deletionTimestamp || typeof data?.token !== 'string' || Buffer.from(data.token, 'base64').toString('utf8') !== token) return null;
    if (secret.metadata?.annotations?.['kubernetes.io/service-account.uid'] !== saUid) return null;
    const sa = await lookup(this.state, 'serviceaccounts', ns, saName);
    if (!sa || sa.metadata?.uid !== saUid) return null;
    return { user: userOf(ns, saName, saUid, {}), audiences: wanted.filter((a) => this.t.apiAudiences.includes(a)) };
  }
}

const isRef = (r: unknown): r is { name: string; uid: string } => !!r && typeof r === 'object' && typeof (r as { name?: unknown }).name === 'string' && typeof (r as { uid?: unknown }).uid === 'string' && !!(r as { name: string }).name;

function userOf(namespace: string, name: string, uid: string, extra: Record<string, string[]>): UserInfo {
  const u: UserInfo = { name: serviceAccountUser(namespace, name), uid, groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`, 'system:authenticated'] };
  if (Object.keys(extra).length) u.extra = extra;
  return u;
}
