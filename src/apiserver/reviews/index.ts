// The review resources the API server answers itself (virtual, create-only, never stored):
// authorization.k8s.io access and rules reviews, authentication.k8s.io TokenReview and SelfSubjectReview.
// Installed on each server by served-subresources.ts.

import { apiVersionOf } from '../../api/kind.js';
import { nowSeconds } from '../prepare.js';
import { answerAccessReview, subjectOf } from './access-reviews.js';
import { specOf } from '../../api/kinds/access/review-validation.js';
import { answerRulesReview } from './rules-review.js';
import { answerTokenReview } from './token-review.js';
import { userInfoJson } from './user-info.js';
import type { SubresourceHandler } from '../router.js';
import { registerReview as register } from './virtual-create.js';

/** The review resources, as virtual creates of one server. */
export function installReviews(to: Map<string, SubresourceHandler>) {
  const authz = 'authorization.k8s.io';
  register(to, authz, 'subjectaccessreviews', (rc, review) => answerAccessReview(rc.api.authorizer, review, subjectOf(specOf(review))));
  // The namespace was checked against the path and spec.resourceAttributes.namespace by validation.
  register(to, authz, 'localsubjectaccessreviews', (rc, review) => answerAccessReview(rc.api.authorizer, review, subjectOf(specOf(review))));
  register(to, authz, 'selfsubjectaccessreviews', (rc, review) => answerAccessReview(rc.api.authorizer, review, rc.user));
  register(to, authz, 'selfsubjectrulesreviews', (rc, review) => answerRulesReview(rc.def, rc.api.authorizer, review, rc.user));

  const authn = 'authentication.k8s.io';
  register(to, authn, 'tokenreviews', (rc, review) => answerTokenReview(rc.api.tokenAuthenticators, review, rc.api.log));
  // `kubectl auth whoami`: the requesting user after authentication and impersonation.
  register(to, authn, 'selfsubjectreviews', (rc) => ({ apiVersion: apiVersionOf(rc.def), kind: rc.def.kind, metadata: { creationTimestamp: nowSeconds() }, status: { userInfo: userInfoJson(rc.user) } }));
}
