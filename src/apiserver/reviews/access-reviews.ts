// SubjectAccessReview, LocalSubjectAccessReview and SelfSubjectAccessReview: the question becomes
// authorizer attributes and the server's own authorizer answers it, exactly as it would the request.
// A SubjectAccessReview asks about the user in its spec (no groups added); a self review about the
// requesting user (after impersonation: `kubectl auth can-i --as`).

import type { KObject } from '../../api/kind.js';
import { type AccessReviewSpec, specOf } from '../../api/kinds/access/review-validation.js';
import type { UserInfo } from '../context.js';
import type { Attributes, Authorizer } from '../authz/types.js';

export interface AccessReviewStatus {
  allowed: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

const orUndefined = (s: string | undefined) => (s ? s : undefined);

/** The attributes a review asks about (Kubernetes' ResourceAttributesFrom / NonResourceAttributesFrom). */
export function attributesOfReview(user: UserInfo, spec: AccessReviewSpec): Attributes {
  const ra = spec.resourceAttributes;
  if (ra) {
    return {
      user,
      verb: ra.verb ?? '',
      resourceRequest: true,
      apiGroup: ra.group ?? '',
      // An empty version matches every version.
      apiVersion: ra.version || '*',
      resource: ra.resource ?? '',
      subresource: orUndefined(ra.subresource),
      namespace: orUndefined(ra.namespace),
      name: orUndefined(ra.name),
    };
  }
  const nra = spec.nonResourceAttributes ?? {};
  return { user, verb: nra.verb ?? '', resourceRequest: false, path: nra.path ?? '' };
}

/** The subject a SubjectAccessReview names: its user, groups, uid and extra as given (nothing added). */
export function subjectOf(spec: AccessReviewSpec): UserInfo {
  return { name: spec.user ?? '', groups: [...(spec.groups ?? [])], ...(spec.uid ? { uid: spec.uid } : {}), ...(spec.extra ? { extra: structuredClone(spec.extra) } : {}) };
}

/** The authorizer's answer as a review status; an authorizer that fails is an evaluation error, not a 500. */
export async function decide(authorizer: Authorizer, a: Attributes): Promise<AccessReviewStatus> {
  try {
    const r = await authorizer.authorize(a);
    const status: AccessReviewStatus = { allowed: r.decision === 'allow' };
    if (r.decision === 'deny') status.denied = true;
    if (r.reason) status.reason = r.reason;
    return status;
  } catch (e) {
    return { allowed: false, evaluationError: e instanceof Error ? e.message : String(e) };
  }
}

export async function answerAccessReview(authorizer: Authorizer, review: KObject, user: UserInfo): Promise<KObject> {
  const spec = specOf(review);
  return { ...review, status: await decide(authorizer, attributesOfReview(user, spec)) };
}
