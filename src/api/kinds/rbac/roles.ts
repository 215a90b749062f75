// rbac.authorization.k8s.io/v1 Role (namespaced) and ClusterRole (cluster-wide, optionally aggregated
// from other ClusterRoles by label selectors): sets of rules bindings grant. `kubectl get` shows
// NAME and CREATED AT, as Kubernetes' printers do.

import type { KindDef, PrinterColumn } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { aggregationRule, rulesField } from './schema.js';
import { validateClusterRole, validateRole } from './validation.js';

const createdAt: PrinterColumn = { name: 'Created At', type: 'date', description: 'When the role was created.', cell: (o) => o.metadata?.creationTimestamp ?? '' };

export const role: KindDef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'Role',
  plural: 'roles',
  singular: 'role',
  namespaced: true,
  nameFormat: 'path',
  schema: kindSchema('io.k8s.api.rbac.v1.Role', 'A namespaced set of rules, granted by RoleBindings.', { rules: rulesField }),
  printerColumns: [createdAt],
  noAgeColumn: true,
  validate: (o) => validateRole(o),
};

export const clusterRole: KindDef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  nameFormat: 'path',
  schema: kindSchema('io.k8s.api.rbac.v1.ClusterRole', 'A cluster-wide set of rules, granted by ClusterRoleBindings (everywhere) or RoleBindings (in one namespace).', {
    rules: rulesField,
    aggregationRule: aggregationRule,
  }),
  printerColumns: [createdAt],
  noAgeColumn: true,
  validate: (o) => validateClusterRole(o),
};
