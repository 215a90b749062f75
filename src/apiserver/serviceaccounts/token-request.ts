// serviceaccounts/token: TokenRequest (authentication.k8s.io/v1), served by the API server itself.
// Issues a JWT for the service account, for the audiences asked (default: the API's), valid for
// expirationSeconds (at least 10 minutes, default 1 hour, capped at the server's maximum), and
// optionally bound to a Pod, Secret or Node that must exist with the uid given: the token dies with it.

import type { PodSpec } from '../../api/core/index.js';
import { rfc3339 } from '../../util/time.js';
import { randomUUID } from 'node:crypto';
import type { KObject } from '../../api/kind.js';
import { boundClaims, type ObjectRef } from '../../api/auth/sa-token.js';
import { tokenRequestSchema } from '../../api/auth/token-request.js';
import { ApiError, badRequest, conflict, fieldErr, invalid, methodNotAllowed, notFound, unavailable } from '../../api/errors.js';
import type { FieldError } from '../../api/kind.js';
import { decodeBody, readBody } from '../body.js';
import type { RequestContext } from '../context.js';
import { sendJson } from '../respond.js';
import { lookup } from './lookup.js';
import { admit } from '../admission/admit.js';
import { serviceAccountTokensOf } from './options.js';

/** A TokenRequest's body: much smaller than a general object. */
const MAX_TOKEN_REQUEST_BYTES = 64 * 1024;
const MIN_EXPIRATION_SECONDS = 600;
const DEFAULT_EXPIRATION_SECONDS = 3600;

interface TokenRequestSpec {
  audiences?: unknown;
  expirationSeconds?: unknown;
  boundObjectRef?: { kind?: unknown; apiVersion?: unknown; name?: unknown; uid?: unknown } | null;
}

const GK = { kind: 'TokenRequest', group: 'authentication.k8s.io' };

export async function handleTokenRequest(rc: RequestContext) {
  if (rc.info.verb !== 'create') throw methodNotAllowed(`the server does not allow this method on the requested resource (${rc.req.method} serviceaccounts/token)`);
  const t = serviceAccountTokensOf(rc.api);
  if (!t) throw unavailable('this API server issues no service account tokens (it was started without a service account signing key)');
  const namespace = rc.info.namespace!;
  const name = rc.info.name!;
  // kubectl sends protobuf (its typed client); others JSON or YAML.
  const { value } = decodeBody(await readBody(rc.req, MAX_TOKEN_REQUEST_BYTES), rc.req.headers['content-type'], tokenRequestSchema);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw badRequest('the request body must be a TokenRequest object');
  const body = value as { kind?: unknown; apiVersion?: unknown; spec?: TokenRequestSpec };
  if (body.kind !== undefined && body.kind !== 'TokenRequest') throw badRequest(`expected a TokenRequest, got ${String(body.kind)}`);
  if (body.spec !== undefined && body.spec !== null && (typeof body.spec !== 'object' || Array.isArray(body.spec))) throw badRequest(`cannot decode the TokenRequest: spec must be an object, not ${Array.isArray(body.spec) ? 'an array' : typeof body.spec}`);
  const spec = (body.spec ?? {}) as TokenRequestSpec;

  const errors: FieldError[] = [];
  let audiences: string[] = [];
  if (spec.audiences !== undefined && spec.audiences !== null) {
    if (!Array.isArray(spec.audiences) || spec.audiences.some((a) => typeof a !== 'string')) errors.push(fieldErr.typeInvalid('spec.audiences', spec.audiences, 'must be a list of strings'));
    else audiences = [...new Set(spec.audiences as string[])];
  }
  if (audiences.length > 100) errors.push(fieldErr.invalid('spec.audiences', `${audiences.length} audiences`, 'may not list more than 100 audiences'));
  let expirationSeconds = DEFAULT_EXPIRATION_SECONDS;
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds !== null) {
    const e = spec.expirationSeconds;
    if (typeof e !== 'number' || !Number.isInteger(e)) errors.push(fieldErr.typeInvalid('spec.expirationSeconds', e, 'must be an integer'));
    else if (e < MIN_EXPIRATION_SECONDS) errors.push(fieldErr.invalid('spec.expirationSeconds', e, 'may not specify a duration less than 10 minutes'));
    else if (e > 2 ** 32) errors.push(fieldErr.invalid('spec.expirationSeconds', e, 'may not specify a duration larger than 2^32 seconds'));
    else expirationSeconds = e;
  }
  const ref = spec.boundObjectRef ?? undefined;
  if (ref !== undefined && (typeof ref !== 'object' || Array.isArray(ref))) errors.push(fieldErr.typeInvalid('spec.boundObjectRef', ref, 'must be an object'));
  if (errors.length) throw invalid(GK.kind, GK.group, '', errors);
  if (audiences.length === 0) audiences = [...t.apiAudiences];
  // As Kubernetes: longer requests are cut to the maximum, not refused.
  expirationSeconds = Math.min(expirationSeconds, t.maxExpirationSeconds);

  const sa = await lookup(rc.api, 'serviceaccounts', namespace, name);
  if (!sa) throw notFound({ group: '', resource: 'serviceaccounts' }, name);
  // Admission sees the request as Kubernetes' does (NodeRestriction: a node asks only for tokens bound to its own pods).
  const request = { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name, namespace }, spec: { audiences, expirationSeconds, boundObjectRef: ref ?? null } };
  await admit(rc, 'CREATE', request, undefined, false);
  const bound = ref ? await boundObject(rc, namespace, name, ref) : {};

  const now = Math.floor(Date.now() / 1000);
  const claims = boundClaims({ issuer: t.issuer, audiences, now, expirationSeconds, namespace, serviceAccount: { name, uid: sa.metadata!.uid! }, ...bound, jti: randomUUID() });
  const token = await t.signer.sign(claims);
  const response = {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds, boundObjectRef: ref ? { kind: ref.kind, apiVersion: ref.apiVersion, name: ref.name, uid: ref.uid } : null },
    status: { token, expirationTimestamp: rfc3339(claims.exp * 1000) },
  };
  sendJson(rc.res, 201, response);
}

/** The pod, secret or node a token is bound to; refused unless it exists with the uid given (when given). */
async function boundObject(rc: RequestContext, namespace: string, saName: string, ref: NonNullable<TokenRequestSpec['boundObjectRef']>): Promise<{ pod?: ObjectRef; secret?: ObjectRef; node?: ObjectRef }> {
  const kind = typeof ref.kind === 'string' ? ref.kind : '';
  const apiVersion = typeof ref.apiVersion === 'string' ? ref.apiVersion : 'v1';
  const name = typeof ref.name === 'string' ? ref.name : '';
  const uid = typeof ref.uid === 'string' ? ref.uid : '';
  const resource = apiVersion === 'v1' ? ({ Pod: 'pods', Secret: 'secrets', Node: 'nodes' } as const)[kind] : undefined;
  if (!resource) throw badRequest(`cannot bind token to object of type ${apiVersion === 'v1' ? '/v1' : apiVersion}, Kind=${kind}`);
  if (!name) throw invalid(GK.kind, GK.group, '', [fieldErr.required('spec.boundObjectRef.name')]);
  const obj: KObject | undefined = await lookup(rc.api, resource, namespace, name);
  if (!obj) throw notFound({ group: '', resource }, name);
  const actual = obj.metadata?.uid ?? '';
  if (uid && uid !== actual) throw conflict({ group: '', resource: kind }, name, `the UID in the bound object reference (${uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  const me = { name, uid: actual };
  if (resource === 'secrets') return { secret: me };
  if (resource === 'nodes') return { node: me };
  const spec = (obj.spec ?? {}) as PodSpec;
  if ((spec.serviceAccountName || 'default') !== saName) throw badRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
  // As Kubernetes (1.30+): a pod's token also names its node, when it has one.
  const node = spec.nodeName ? await lookup(rc.api, 'nodes', undefined, spec.nodeName) : undefined;
  return { pod: me, ...(node?.metadata?.uid ? { node: { name: spec.nodeName!, uid: node.metadata.uid } } : {}) };
}

/** serviceaccounts/token: a TokenRequest for a named ServiceAccount. */
export function serveTokenRequest(rc: RequestContext): Promise<void> {
  if (!(rc.info.namespace && rc.info.name)) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  return handleTokenRequest(rc);
}
