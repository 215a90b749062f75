// OpenAPI schemas of the rbac.authorization.k8s.io/v1 building blocks: PolicyRule, Subject, RoleRef, AggregationRule.

// Required fields are checked by validation.ts (Kubernetes' messages), not declared here, so each
// missing field is reported once.

import { labelSelector } from '../../meta.js';
import { listOf, str, struct } from '../../schema.js';

const strings = (d: string) => listOf(str(), d);

export const policyRule = struct('io.k8s.api.rbac.v1.PolicyRule', 'Actions allowed on resources or non-resource URLs: every verb listed, on every resource of every group listed (or every URL).', {
  verbs: strings("Verbs allowed, e.g. get, list, watch, create, update, patch, delete, deletecollection, or '*' for all."),
  apiGroups: strings("API groups of the resources; '' is the core group, '*' all groups."),
  resources: strings("Resources the rule applies to; '*' is all, 'pods/log' a subresource, '*/scale' a subresource of any resource."),
  resourceNames: strings('Names of the objects allowed; empty allows all.'),
  nonResourceURLs: strings("Non-resource paths (/healthz, /version); a trailing '*' matches a prefix. Only in ClusterRoles, and not with resources."),
});

export const subject = struct(
  'io.k8s.api.rbac.v1.Subject',
  'Who a binding grants to: a user, a group, or a service account.',
  {
    kind: str('User, Group or ServiceAccount.'),
    apiGroup: str('"" for ServiceAccount; "rbac.authorization.k8s.io" for User and Group.'),
    name: str('Name of the subject.'),
    namespace: str("The ServiceAccount's namespace; required for ServiceAccounts in ClusterRoleBindings."),
  },
  { mapType: 'atomic' },
);

export const roleRef = struct(
  'io.k8s.api.rbac.v1.RoleRef',
  'The role a binding grants; cannot be changed once set.',
  {
    apiGroup: str('The group of the role: rbac.authorization.k8s.io.'),
    kind: str('Role or ClusterRole.'),
    name: str('Name of the role.'),
  },
  { mapType: 'atomic' },
);

export const aggregationRule = struct('io.k8s.api.rbac.v1.AggregationRule', "How a ClusterRole's rules are gathered from other ClusterRoles: the union of the rules of every ClusterRole matching any selector.", {
  clusterRoleSelectors: listOf(labelSelector, 'Selectors of the ClusterRoles to aggregate; if any matches, the role is included.'),
});

export const rulesField = listOf(policyRule, 'The rules of this role.');
