// authentication.k8s.io: TokenReview (v1) and SelfSubjectReview (v1, v1beta1 for kubectl 1.27,
// v1alpha1 for older clients). Create-only and never stored: the API server answers each itself.

import type { KindDef } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { selfSubjectReviewStatus, tokenReviewSpec, tokenReviewStatus } from './review-schemas.js';

const group = 'authentication.k8s.io';
const verbs = ['create'];

export const tokenReview: KindDef = {
  group,
  version: 'v1',
  kind: 'TokenReview',
  plural: 'tokenreviews',
  singular: 'tokenreview',
  namespaced: false,
  verbs,
  schema: kindSchema('io.k8s.api.authentication.v1.TokenReview', 'Asks whether a bearer token is valid and whose it is.', { spec: tokenReviewSpec, status: tokenReviewStatus }),
};

const selfSubjectReview = (version: 'v1' | 'v1beta1' | 'v1alpha1'): KindDef => ({
  group,
  version,
  kind: 'SelfSubjectReview',
  plural: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  namespaced: false,
  verbs,
  schema: kindSchema(`io.k8s.api.authentication.${version}.SelfSubjectReview`, 'Tells the requesting user who the API server takes them for (`kubectl auth whoami`).', { status: selfSubjectReviewStatus(version) }),
});

export const identityReviewKinds: KindDef[] = [tokenReview, selfSubjectReview('v1'), selfSubjectReview('v1beta1'), selfSubjectReview('v1alpha1')];
