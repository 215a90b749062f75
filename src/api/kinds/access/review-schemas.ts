// Schemas of the review kinds (authorization.k8s.io and authentication.k8s.io): the questions a
// client asks the API server about access and identity. Declared once like every kind, so OpenAPI,
// `kubectl explain` and strict field validation know them.

import { labelSelectorRequirement } from '../../meta.js';
import { bool, listOf, mapOf, str, struct } from '../../schema.js';

/** user.Info's extra attributes: each key maps to a list of values (ExtraValue in Kubernetes' types). */
export const extraValues = (description: string) => mapOf(listOf(str()), description);

export const fieldSelectorRequirement = struct(
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement',
  'A field selector requirement: a field, an operator and values.',
  {
    key: str('The field selector key the requirement applies to.'),
    operator: str('How the key relates to the values: In, NotIn, Exists or DoesNotExist.'),
    values: listOf(str(), 'Values for In and NotIn; must be empty for Exists and DoesNotExist.'),
  },
  { required: ['key', 'operator'] },
);

const fieldSelectorAttributes = struct('io.k8s.api.authorization.v1.FieldSelectorAttributes', 'A field-limited access: either a raw selector or parsed requirements.', {
  rawSelector: str('The field selector as it would appear in a query parameter.'),
  requirements: listOf(fieldSelectorRequirement, 'The parsed selector: every requirement must hold.'),
});

const labelSelectorAttributes = struct('io.k8s.api.authorization.v1.LabelSelectorAttributes', 'A label-limited access: either a raw selector or parsed requirements.', {
  rawSelector: str('The label selector as it would appear in a query parameter.'),
  requirements: listOf(labelSelectorRequirement, 'The parsed selector: every requirement must hold.'),
});

export const resourceAttributes = struct('io.k8s.api.authorization.v1.ResourceAttributes', 'The attributes of a resource request, as an authorizer sees them.', {
  namespace: str('Namespace of the action; empty for cluster-scoped resources or "all namespaces".'),
  verb: str('A resource API verb (get, list, watch, create, update, delete, impersonate...); "*" means all.'),
  group: str('API group of the resource; "*" means all.'),
  version: str('API version of the resource; "*" means all.'),
  resource: str('The resource; "*" means all.'),
  subresource: str('The subresource; empty means none.'),
  name: str('Name of the object; empty means all.'),
  fieldSelector: fieldSelectorAttributes,
  labelSelector: labelSelectorAttributes,
});

export const nonResourceAttributes = struct('io.k8s.api.authorization.v1.NonResourceAttributes', 'The attributes of a non-resource request (a URL path such as /healthz).', {
  path: str('URL path of the request.'),
  verb: str('The lowercased HTTP verb.'),
});

export const subjectAccessReviewSpec = struct('io.k8s.api.authorization.v1.SubjectAccessReviewSpec', 'The access asked about: exactly one of resourceAttributes and nonResourceAttributes, and whose access.', {
  resourceAttributes,
  nonResourceAttributes,
  user: str('The user asked about.'),
  groups: listOf(str(), 'The groups asked about.'),
  extra: extraValues("The user's extra attributes, as an authenticator would set them."),
  uid: str("The user's UID."),
});

export const selfSubjectAccessReviewSpec = struct('io.k8s.api.authorization.v1.SelfSubjectAccessReviewSpec', 'The access asked about, for the requesting user: exactly one of resourceAttributes and nonResourceAttributes.', {
  resourceAttributes,
  nonResourceAttributes,
});

export const subjectAccessReviewStatus = struct('io.k8s.api.authorization.v1.SubjectAccessReviewStatus', 'The answer: allowed or not, and why.', {
  allowed: bool('True if the action would be allowed.'),
  denied: bool('True if an authorizer denied the action outright (else false with allowed false means nobody allowed it).'),
  reason: str('Why the action was allowed or denied.'),
  evaluationError: str('An error met while deciding; the answer may still be right.'),
});

export const selfSubjectRulesReviewSpec = struct('io.k8s.api.authorization.v1.SelfSubjectRulesReviewSpec', 'The namespace to list rules in.', {
  namespace: str('The namespace to evaluate rules in (required).'),
});

const resourceRule = struct('io.k8s.api.authorization.v1.ResourceRule', 'What the user may do to resources.', {
  verbs: listOf(str(), 'Verbs allowed; "*" means all.'),
  apiGroups: listOf(str(), 'API groups; "*" means all.'),
  resources: listOf(str(), 'Resources; "*" means all, "*/foo" a subresource of all.'),
  resourceNames: listOf(str(), 'Object names; empty means all.'),
});

const nonResourceRule = struct('io.k8s.api.authorization.v1.NonResourceRule', 'What the user may do to non-resource URLs.', {
  verbs: listOf(str(), 'Verbs allowed; "*" means all.'),
  nonResourceURLs: listOf(str(), 'URL paths; a final "*" matches any suffix.'),
});

export const subjectRulesReviewStatus = struct('io.k8s.api.authorization.v1.SubjectRulesReviewStatus', 'The rules the user has in the namespace (a lower bound when incomplete).', {
  resourceRules: listOf(resourceRule, 'Rules over resources.'),
  nonResourceRules: listOf(nonResourceRule, 'Rules over non-resource URLs.'),
  incomplete: bool('True when an authorizer could not list all it allows.'),
  evaluationError: str('An error met while listing rules.'),
});

export const userInfo = struct('io.k8s.api.authentication.v1.UserInfo', 'A user as an authenticator identified it.', {
  username: str('The name that uniquely identifies the user.'),
  uid: str('A unique value for the user across time (a deleted and re-created user gets another).'),
  groups: listOf(str(), 'The groups the user belongs to.'),
  extra: extraValues('Any additional information the authenticator provided.'),
});

export const tokenReviewSpec = struct('io.k8s.api.authentication.v1.TokenReviewSpec', 'The token to check.', {
  token: str('The opaque bearer token.'),
  audiences: listOf(str(), "Audiences the token must be valid for (at least one); default: the API server's."),
});

export const tokenReviewStatus = struct('io.k8s.api.authentication.v1.TokenReviewStatus', 'Whether the token is valid, and whose it is.', {
  authenticated: bool('True if the token is valid.'),
  user: userInfo,
  audiences: listOf(str(), 'The audiences (of those asked) the token is valid for.'),
  error: str('Why the token could not be checked.'),
});

/** SelfSubjectReview's status in one version (v1alpha1, v1beta1, v1): the same fields under each version's name. */
export const selfSubjectReviewStatus = (version: string) =>
  struct(`io.k8s.api.authentication.${version}.SelfSubjectReviewStatus`, 'The requesting user, as the API server sees it after authentication and impersonation.', {
    userInfo,
  });
