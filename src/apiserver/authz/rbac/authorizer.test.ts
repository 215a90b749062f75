import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../../api/kind.js';
import type { PolicyRule, Subject } from '../../../api/kinds/rbac/types.js';
import type { Attributes } from '../types.js';
import { RbacAuthorizer } from './authorizer.js';
import { PolicyIndex } from './policy-index.js';

const G = 'rbac.authorization.k8s.io';
const clusterRole = (name: string, rules: PolicyRule[]): KObject => ({ metadata: { name }, rules });
const role = (ns: string, name: string, rules: PolicyRule[]): KObject => ({ metadata: { name, namespace: ns }, rules });
const crb = (name: string, roleName: string, subjects: Subject[]): KObject => ({ metadata: { name }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: roleName }, subjects });
const rb = (ns: string, name: string, kind: string, roleName: string, subjects: Subject[]): KObject => ({ metadata: { name, namespace: ns }, roleRef: { apiGroup: G, kind, name: roleName }, subjects });
const U = (name: string): Subject => ({ kind: 'User', apiGroup: G, name });
const Gr = (name: string): Subject => ({ kind: 'Group', apiGroup: G, name });

const jane = { name: 'jane', groups: ['devs', 'system:authenticated'] };
const listPods = (ns?: string, user = jane): Attributes => ({ user, verb: 'list', resourceRequest: true, apiGroup: '', resource: 'pods', namespace: ns });

function setup() {
  const idx = new PolicyIndex();
  idx.put('ClusterRole', clusterRole('reader', [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]));
  idx.put('Role', role('team', 'r', [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }]));
  return { idx, authz: new RbacAuthorizer(idx) };
}

test('a RoleBinding allows in its namespace only, with the reason Kubernetes gives', () => {
  const { idx, authz } = setup();
  assert.equal(authz.authorize(listPods('team')).decision, 'noOpinion');
  idx.put('RoleBinding', rb('team', 'jane-r', 'Role', 'r', [U('jane')]));
  const r = authz.authorize(listPods('team'));
  assert.deepEqual(r, { decision: 'allow', reason: 'RBAC: allowed by RoleBinding "jane-r/team" of Role "r" to User "jane"' });
  assert.equal(authz.authorize(listPods('other')).decision, 'noOpinion');
  assert.equal(authz.authorize(listPods(undefined)).decision, 'noOpinion');
});

test('a ClusterRoleBinding to a group allows everywhere', () => {
  const { idx, authz } = setup();
  idx.put('ClusterRoleBinding', crb('devs-read', 'reader', [Gr('devs')]));
  assert.equal(authz.authorize(listPods(undefined)).reason, 'RBAC: allowed by ClusterRoleBinding "devs-read" of ClusterRole "reader" to Group "devs"');
  assert.equal(authz.authorize(listPods('any')).decision, 'allow');
  assert.equal(authz.authorize({ ...listPods('any'), verb: 'delete' }).decision, 'noOpinion');
});

test('a RoleBinding may grant a ClusterRole within its namespace', () => {
  const { idx, authz } = setup();
  idx.put('RoleBinding', rb('team', 'b', 'ClusterRole', 'reader', [U('jane')]));
  assert.equal(authz.authorize(listPods('team')).decision, 'allow');
  assert.equal(authz.authorize(listPods('x')).decision, 'noOpinion');
});

test('service accounts match by user name; a subject without namespace takes the binding namespace', () => {
  const { idx, authz } = setup();
  idx.put('RoleBinding', rb('team', 'sa', 'Role', 'r', [{ kind: 'ServiceAccount', apiGroup: '', name: 'bot' }]));
  const bot = { name: 'system:serviceaccount:team:bot', groups: ['system:serviceaccounts', 'system:serviceaccounts:team'] };
  assert.equal(authz.authorize(listPods('team', bot)).reason, 'RBAC: allowed by RoleBinding "sa/team" of Role "r" to ServiceAccount "bot/team"');
  assert.equal(authz.authorize(listPods('team', { ...bot, name: 'system:serviceaccount:other:bot' })).decision, 'noOpinion');
});

test('updates and deletes of bindings and roles take effect', () => {
  const { idx, authz } = setup();
  idx.put('RoleBinding', rb('team', 'b', 'Role', 'r', [U('jane')]));
  idx.put('RoleBinding', rb('team', 'b', 'Role', 'r', [U('bob')]));
  assert.equal(authz.authorize(listPods('team')).decision, 'noOpinion');
  assert.equal(authz.authorize(listPods('team', { name: 'bob', groups: [] })).decision, 'allow');
  idx.remove('Role', role('team', 'r', []));
  assert.equal(authz.authorize(listPods('team', { name: 'bob', groups: [] })).decision, 'noOpinion');
  idx.put('Role', role('team', 'r', [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }]));
  idx.remove('RoleBinding', rb('team', 'b', 'Role', 'r', []));
  assert.equal(authz.authorize(listPods('team', { name: 'bob', groups: [] })).decision, 'noOpinion');
  assert.deepEqual(idx.size, { roles: 1, clusterRoles: 1, roleBindings: 0, clusterRoleBindings: 0 });
});

test('no opinion until the caches are ready', () => {
  const idx = new PolicyIndex();
  idx.put('ClusterRole', clusterRole('all', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]));
  idx.put('ClusterRoleBinding', crb('all', 'all', [U('jane')]));
  assert.equal(new RbacAuthorizer(idx, () => false).authorize(listPods()).decision, 'noOpinion');
  assert.equal(new RbacAuthorizer(idx, () => true).authorize(listPods()).decision, 'allow');
});

test('rulesFor lists cluster-wide and namespace rules, and names missing roles', () => {
  const { idx, authz } = setup();
  idx.put('ClusterRole', clusterRole('public', [{ verbs: ['get'], nonResourceURLs: ['/version'] }]));
  idx.put('ClusterRoleBinding', crb('p', 'public', [Gr('system:authenticated')]));
  idx.put('RoleBinding', rb('team', 'b', 'Role', 'r', [U('jane')]));
  idx.put('RoleBinding', rb('team', 'gone', 'Role', 'missing', [U('jane')]));
  const r = authz.rulesFor(jane, 'team');
  assert.deepEqual(r.resourceRules, [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }]);
  assert.deepEqual(r.nonResourceRules, [{ verbs: ['get'], nonResourceURLs: ['/version'] }]);
  assert.equal(r.incomplete, true);
  assert.match(r.evaluationError ?? '', /roles.rbac.authorization.k8s.io "missing" not found/);
  assert.deepEqual(authz.rulesFor(jane, 'other').resourceRules, []);
});
