import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../kind.js';
import { validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from './validation.js';

const fields = (errs: { field: string; message: string }[]) => errs.map((e) => `${e.field}: ${e.message}`);
const G = 'rbac.authorization.k8s.io';

test('rules need verbs, and resources with groups or (cluster roles only) URLs', () => {
  const role: KObject = { metadata: { name: 'r', namespace: 'n' }, rules: [{ resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/x'] }, { verbs: ['get'], apiGroups: [''], resources: ['pods'] }] };
  assert.deepEqual(fields(validateRole(role)), ['rules[0].verbs: Required value: verbs must contain at least one value', 'rules[0].apiGroups: Required value: resource rules must supply at least one api group', 'rules[1].nonResourceURLs: Invalid value: ["/x"]: namespaced rules cannot apply to non-resource URLs']);
  const cr: KObject = {
    metadata: { name: 'c' },
    rules: [
      { verbs: ['get'], nonResourceURLs: ['/x'] },
      { verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] },
      { verbs: ['get'], apiGroups: [''] },
    ],
  };
  assert.deepEqual(fields(validateClusterRole(cr)), ['rules[1].nonResourceURLs: Invalid value: ["/x"]: rules cannot apply to both regular resources and non-resource URLs', 'rules[2].resources: Required value: resource rules must supply at least one resource']);
  assert.deepEqual(fields(validateClusterRole({ metadata: { name: 'a' }, aggregationRule: { clusterRoleSelectors: [] } })), ['aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil']);
});

test('bindings: roleRef kind and group, subjects, immutable roleRef', () => {
  const rb: KObject = {
    metadata: { name: 'b', namespace: 'n' },
    roleRef: { apiGroup: 'x', kind: 'Thing', name: '' },
    subjects: [{ kind: 'User', name: 'u', apiGroup: '' }, { kind: 'ServiceAccount', name: 'sa', apiGroup: G }, { kind: 'Robot', name: 'r' }, { kind: 'Group' }],
  };
  assert.deepEqual(fields(validateRoleBinding(rb)), [
    'roleRef.apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io"',
    'roleRef.kind: Unsupported value: "Thing": supported values: "Role", "ClusterRole"',
    'roleRef.name: Required value',
    'subjects[0].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
    'subjects[1].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""',
    'subjects[2].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
    'subjects[3].name: Required value',
    'subjects[3].apiGroup: Unsupported value: "": supported values: "rbac.authorization.k8s.io"',
  ]);
  const crb: KObject = { metadata: { name: 'c' }, roleRef: { apiGroup: G, kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'sa', apiGroup: '' }] };
  assert.deepEqual(fields(validateClusterRoleBinding(crb)), ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"', 'subjects[0].namespace: Required value']);
  const ok: KObject = { metadata: { name: 'c' }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'view' }, subjects: [] };
  assert.deepEqual(validateClusterRoleBinding(ok), []);
  const changed = { ...ok, roleRef: { apiGroup: G, kind: 'ClusterRole', name: 'edit' } };
  assert.deepEqual(
    validateClusterRoleBinding(changed, ok).map((e) => e.field),
    ['roleRef'],
  );
  assert.match(validateClusterRoleBinding(changed, ok)[0].message, /cannot change roleRef/);
});
