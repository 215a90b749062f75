// rbac.authorization.k8s.io/v1 RoleBinding and ClusterRoleBinding: grant a role to users, groups and
// service accounts. `kubectl get` shows ROLE and AGE, and with -o wide USERS, GROUPS and
// SERVICEACCOUNTS, as Kubernetes' printers do.

import type { KindDef, KObject, PrinterColumn } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { listOf } from '../../schema.js';
import { age } from '../../table.js';
import { roleRef, subject } from './schema.js';
import type { Binding } from './types.js';
import { defaultSubjects, validateClusterRoleBinding, validateRoleBinding } from './validation.js';

const subjectsOf = (o: KObject, kind: string) => ((o as Binding).subjects ?? []).filter((s) => s?.kind === kind);

const columns: PrinterColumn[] = [
  { name: 'Role', type: 'string', description: 'The role granted.', cell: (o) => `${(o as Binding).roleRef?.kind ?? ''}/${(o as Binding).roleRef?.name ?? ''}` },
  { name: 'Age', type: 'string', description: 'Time since the binding was created.', cell: (o) => age(o.metadata?.creationTimestamp) },
  {
    name: 'Users',
    type: 'string',
    priority: 1,
    description: 'Users granted the role.',
    cell: (o) =>
      subjectsOf(o, 'User')
        .map((s) => s.name)
        .join(', '),
  },
  {
    name: 'Groups',
    type: 'string',
    priority: 1,
    description: 'Groups granted the role.',
    cell: (o) =>
      subjectsOf(o, 'Group')
        .map((s) => s.name)
        .join(', '),
  },
  {
    name: 'ServiceAccounts',
    type: 'string',
    priority: 1,
    description: 'Service accounts granted the role.',
    cell: (o) =>
      subjectsOf(o, 'ServiceAccount')
        .map((s) => `${s.namespace ?? ''}/${s.name}`)
        .join(', '),
  },
];

const fields = {
  subjects: listOf(subject, 'Who is granted the role.'),
  roleRef: roleRef,
};

export const roleBinding: KindDef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'RoleBinding',
  plural: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  nameFormat: 'path',
  schema: kindSchema('io.k8s.api.rbac.v1.RoleBinding', 'Grants the rules of a Role, or of a ClusterRole within this namespace, to subjects.', fields),
  printerColumns: columns,
  default: defaultSubjects,
  validate: (o, old) => validateRoleBinding(o, old),
};

export const clusterRoleBinding: KindDef = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind: 'ClusterRoleBinding',
  plural: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  nameFormat: 'path',
  schema: kindSchema('io.k8s.api.rbac.v1.ClusterRoleBinding', 'Grants the rules of a ClusterRole, in every namespace and cluster-wide, to subjects.', fields),
  printerColumns: columns,
  default: defaultSubjects,
  validate: (o, old) => validateClusterRoleBinding(o, old),
};
