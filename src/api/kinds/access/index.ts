// The review kinds: virtual, create-only resources the API server answers itself and never stores
// (authorization.k8s.io access reviews, authentication.k8s.io TokenReview and SelfSubjectReview).
import type { KindDef } from '../../kind.js';
import { accessReviewKinds } from './access-reviews.js';
import { identityReviewKinds } from './identity-reviews.js';

export const reviewKinds: KindDef[] = [...accessReviewKinds, ...identityReviewKinds];
