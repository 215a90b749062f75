// Kubernetes' CEL authz library, for ValidatingAdmissionPolicy's `authorizer` variable:
//   authorizer.group('apps').resource('deployments').subresource('scale').namespace('ns').name('x').check('update').allowed()
//   authorizer.path('/healthz').check('get').reason()
//   authorizer.serviceAccount('ns', 'sa').group(...)...      authorizer.requestResource.check('update')
// Decisions: allowed(), reason(), errored(), error(). gifee's authorizers may answer
// asynchronously, and CEL evaluation is synchronous, so checks go through a CelAuthorizer that
// answers from what it already knows or throws AuthzPending; the caller then resolves the pending
// checks and evaluates again (see the ValidatingAdmissionPolicy plugin).

import { type CelFunc, type CelValue, CelScalar, celMethod } from '@bufbuild/cel';
import { makeOpaque, opaqueOf } from './opaque.js';

export interface AuthzCheck {
  /** The user to check: undefined for the request's user, else a service account's. */
  serviceAccount?: { namespace: string; name: string };
  verb: string;
  path?: string;
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface AuthzDecision {
  decision: 'allow' | 'deny' | 'noOpinion';
  reason: string;
  error?: string;
}

export interface CelAuthorizer {
  /** The decision if known; throws AuthzPending when it must be fetched first. */
  check(c: AuthzCheck): AuthzDecision;
  /** The request's own resource, for authorizer.requestResource. */
  requestResource?: Omit<AuthzCheck, 'verb' | 'serviceAccount' | 'path'>;
}

export class AuthzPending extends Error {
  constructor(readonly checkWanted: AuthzCheck) {
    super('authorization check pending');
  }
}

type Builder = { auth: CelAuthorizer; sa?: AuthzCheck['serviceAccount']; part: Omit<AuthzCheck, 'verb'> };

const builder = (b: Builder) => makeOpaque('authz.builder', JSON.stringify([b.sa, b.part]), b);
const decision = (d: AuthzDecision) => makeOpaque('authz.decision', JSON.stringify(d), d);
const bOf = (v: CelValue) => opaqueOf<Builder>('authz.builder', v);
const dOf = (v: CelValue) => opaqueOf<AuthzDecision>('authz.decision', v);
const authOf = (v: CelValue) => opaqueOf<{ auth: CelAuthorizer; sa?: AuthzCheck['serviceAccount'] }>('authz', v);

/** The value of the `authorizer` variable (`authorizer.requestResource` is a field of it). */
export function authorizerValue(auth: CelAuthorizer, sa?: AuthzCheck['serviceAccount']): CelValue {
  const rr: [string, CelValue][] = auth.requestResource ? [['requestResource', builder({ auth, sa, part: { ...auth.requestResource } })]] : [];
  return makeOpaque('authz', '', { auth, sa }, rr);
}

const { STRING, BOOL, DYN } = CelScalar;
const step = (field: keyof AuthzCheck) =>
  celMethod(field, DYN, [STRING], DYN, function (this: CelValue, s: string) {
    const b = bOf(this);
    return builder({ ...b, part: { ...b.part, [field]: s } }) as never;
  });

export const authzFuncs: CelFunc[] = [
  celMethod('group', DYN, [STRING], DYN, function (this: CelValue, g: string) {
    const a = authOf(this);
    return builder({ auth: a.auth, sa: a.sa, part: { group: g } }) as never;
  }),
  celMethod('path', DYN, [STRING], DYN, function (this: CelValue, p: string) {
    const a = authOf(this);
    return builder({ auth: a.auth, sa: a.sa, part: { path: p } }) as never;
  }),
  celMethod('serviceAccount', DYN, [STRING, STRING], DYN, function (this: CelValue, ns: string, name: string) {
    const a = authOf(this);
    return authorizerValue({ check: (c) => a.auth.check(c) }, { namespace: ns, name }) as never;
  }),
  step('resource'),
  step('subresource'),
  step('namespace'),
  step('name'),
  celMethod('check', DYN, [STRING], DYN, function (this: CelValue, verb: string) {
    const b = bOf(this);
    try {
      return decision(b.auth.check({ ...b.part, verb, serviceAccount: b.sa })) as never;
    } catch (e) {
      if (e instanceof AuthzPending) throw e;
      return decision({ decision: 'noOpinion', reason: '', error: (e as Error).message }) as never;
    }
  }),
  celMethod('allowed', DYN, [], BOOL, function (this: CelValue) {
    return dOf(this).decision === 'allow';
  }),
  celMethod('reason', DYN, [], STRING, function (this: CelValue) {
    return dOf(this).reason;
  }),
  celMethod('errored', DYN, [], BOOL, function (this: CelValue) {
    return dOf(this).error !== undefined;
  }),
  celMethod('error', DYN, [], STRING, function (this: CelValue) {
    return dOf(this).error ?? '';
  }),
];
