// authorization.k8s.io/v1: SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview and
// SelfSubjectRulesReview. Create-only and never stored: the API server answers each from its authorizer.

import type { KindDef } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { selfSubjectAccessReviewSpec, selfSubjectRulesReviewSpec, subjectAccessReviewSpec, subjectAccessReviewStatus, subjectRulesReviewStatus } from './review-schemas.js';
import { validateLocalSubjectAccessReview, validateSelfSubjectAccessReview, validateSubjectAccessReview } from './review-validation.js';

const group = 'authorization.k8s.io';
const version = 'v1';
const verbs = ['create'];

export const subjectAccessReview: KindDef = {
  group,
  version,
  kind: 'SubjectAccessReview',
  plural: 'subjectaccessreviews',
  singular: 'subjectaccessreview',
  namespaced: false,
  verbs,
  schema: kindSchema('io.k8s.api.authorization.v1.SubjectAccessReview', 'Asks whether a user or group may perform an action.', { spec: subjectAccessReviewSpec, status: subjectAccessReviewStatus }),
  validate: validateSubjectAccessReview,
};

export const localSubjectAccessReview: KindDef = {
  group,
  version,
  kind: 'LocalSubjectAccessReview',
  plural: 'localsubjectaccessreviews',
  singular: 'localsubjectaccessreview',
  namespaced: true,
  verbs,
  schema: kindSchema('io.k8s.api.authorization.v1.LocalSubjectAccessReview', 'Asks whether a user or group may perform an action in one namespace (grantable per namespace).', { spec: subjectAccessReviewSpec, status: subjectAccessReviewStatus }),
  validate: validateLocalSubjectAccessReview,
};

export const selfSubjectAccessReview: KindDef = {
  group,
  version,
  kind: 'SelfSubjectAccessReview',
  plural: 'selfsubjectaccessreviews',
  singular: 'selfsubjectaccessreview',
  namespaced: false,
  verbs,
  schema: kindSchema('io.k8s.api.authorization.v1.SelfSubjectAccessReview', 'Asks whether the requesting user may perform an action (`kubectl auth can-i`).', { spec: selfSubjectAccessReviewSpec, status: subjectAccessReviewStatus }),
  validate: validateSelfSubjectAccessReview,
};

export const selfSubjectRulesReview: KindDef = {
  group,
  version,
  kind: 'SelfSubjectRulesReview',
  plural: 'selfsubjectrulesreviews',
  singular: 'selfsubjectrulesreview',
  namespaced: false,
  verbs,
  schema: kindSchema('io.k8s.api.authorization.v1.SelfSubjectRulesReview', 'Lists what the requesting user may do in a namespace (`kubectl auth can-i --list`).', { spec: selfSubjectRulesReviewSpec, status: subjectRulesReviewStatus }),
};

export const accessReviewKinds: KindDef[] = [localSubjectAccessReview, selfSubjectAccessReview, selfSubjectRulesReview, subjectAccessReview];
