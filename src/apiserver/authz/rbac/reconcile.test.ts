import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Binding, ClusterRole } from '../../../api/kinds/rbac/types.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, group, user } from './bootstrap-policy.js';
import { controllerClusterRoleBindings, controllerClusterRoles } from './controller-policy.js';
import { reconcileBinding, reconcileRole } from './reconcile.js';

const expected = bootstrapClusterRoles.find((r) => r.metadata?.name === 'system:public-info-viewer')!;

test('a role missing rules gets them; rules users added stay', () => {
  const existing: ClusterRole = {
    metadata: { name: 'system:public-info-viewer', labels: { mine: 'x' } },
    rules: [
      { verbs: ['get'], nonResourceURLs: ['/healthz'] },
      { verbs: ['get'], nonResourceURLs: ['/custom'] },
    ],
  };
  const next = reconcileRole(existing, expected)!;
  assert.ok(next);
  assert.deepEqual(next.rules?.[1], { verbs: ['get'], nonResourceURLs: ['/custom'] });
  assert.equal(next.rules?.length, 3);
  assert.equal(next.metadata?.labels?.mine, 'x');
  assert.equal(next.metadata?.annotations?.['rbac.authorization.kubernetes.io/autoupdate'], 'true');
  assert.equal(reconcileRole(next, expected), null, 'reconciled once, nothing more to do');
});

test('autoupdate=false is left alone', () => {
  const existing: ClusterRole = { metadata: { name: 'x', annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [] };
  assert.equal(reconcileRole(existing, expected), null);
});

test('aggregated roles keep their rules and get missing selectors', () => {
  const view = bootstrapClusterRoles.find((r) => r.metadata?.name === 'view')!;
  const existing: ClusterRole = { metadata: { name: 'view', labels: view.metadata?.labels, annotations: view.metadata?.annotations }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] };
  const next = reconcileRole(existing, view)!;
  assert.deepEqual(next.rules, existing.rules);
  assert.deepEqual(next.aggregationRule, view.aggregationRule);
});

test('bindings get missing subjects and keep added ones; a changed roleRef is replaced', () => {
  const expectedB = bootstrapClusterRoleBindings.find((b) => b.metadata?.name === 'system:public-info-viewer')!;
  const existing: Binding = { metadata: { name: 'system:public-info-viewer' }, roleRef: expectedB.roleRef, subjects: [user('someone')] };
  const next = reconcileBinding(existing, expectedB) as Binding;
  assert.deepEqual(next.subjects, [user('someone'), group('system:authenticated'), group('system:unauthenticated')]);
  assert.equal(reconcileBinding(next, expectedB), null);
  assert.equal(reconcileBinding({ ...existing, roleRef: { ...expectedB.roleRef, name: 'other' } }, expectedB), 'replace');
});

test('every bootstrap binding names a bootstrap role', () => {
  const names = new Set([...bootstrapClusterRoles, ...controllerClusterRoles].map((r) => r.metadata?.name));
  for (const b of [...bootstrapClusterRoleBindings, ...controllerClusterRoleBindings]) assert.ok(names.has(b.roleRef.name), b.metadata?.name);
  assert.equal(names.size, bootstrapClusterRoles.length + controllerClusterRoles.length, 'no name twice');
});
