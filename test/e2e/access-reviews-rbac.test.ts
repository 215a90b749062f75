// The review APIs and impersonation against real RBAC (bootstrap roles, roles and bindings made with
// kubectl), with the real kubectl: what access-reviews.test.ts checks with a stand-in authorizer,
// here with system:basic-user, system:discovery and bindings as a cluster administrator makes them.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { authorizerOf } from '../../src/cli/authorizer.js';
import { startInProcessApi, type InProcessApi } from '../helpers/in-process-api.js';
import { olderKubectl } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

describe('access reviews and impersonation with RBAC', () => {
  let api: InProcessApi;
  let jane: string;
  let carol: string;
  let bob: string;
  let old: string | undefined;
  before(async () => {
    api = await startInProcessApi({ authorizer: authorizerOf('RBAC') });
    [jane, carol, bob] = await Promise.all([api.userKubeconfig('jane'), api.userKubeconfig('carol'), api.userKubeconfig('bob')]);
    old = await olderKubectl('1.27');
    const k = (args: string[]) => api.kubectl(args);
    await k(['create', 'role', 'pod-reader', '-n', 'default', '--verb=get,list,watch', '--resource=pods']);
    await k(['create', 'rolebinding', 'jane-reads-pods', '-n', 'default', '--role=pod-reader', '--user=jane']);
    await k(['create', 'role', 'cm-reader', '-n', 'default', '--verb=get,list', '--resource=configmaps']);
    await k(['create', 'rolebinding', 'dev-reads-cms', '-n', 'default', '--role=cm-reader', '--group=dev']);
    await k(['create', 'clusterrole', 'impersonate-jane', '--verb=impersonate', '--resource=users,groups', '--resource-name=jane', '--resource-name=dev']);
    await k(['create', 'clusterrolebinding', 'carol-impersonates-jane', '--clusterrole=impersonate-jane', '--user=carol']);
    // RBAC's cache follows the store through a watch: wait until the last binding is seen.
    await until('carol may impersonate jane', async () => (await api.kubectl(['auth', 'can-i', 'impersonate', 'users/jane', '--as', 'carol'], { allowFail: true })).code === 0);
  });
  after(() => api?.stop());
  const binaries = () => ['kubectl', ...(old ? [old] : [])];

  test('can-i answers from roles and bindings, with exit codes', async () => {
    for (const binary of binaries()) {
      const can = async (args: string[], kubeconfig?: string) => (await api.kubectl(['auth', 'can-i', ...args], { kubeconfig, binary, allowFail: true })).code;
      assert.equal(await can(['list', 'pods', '-n', 'default'], jane), 0, binary);
      assert.equal(await can(['delete', 'pods', '-n', 'default'], jane), 1, binary);
      // As Kubernetes prints it: a bare "no" when no rule allows it (RBAC gives no reason then).
      assert.equal((await api.kubectl(['auth', 'can-i', 'delete', 'pods', '-n', 'default'], { kubeconfig: jane, binary, allowFail: true })).stdout, 'no\n', binary);
      assert.equal(await can(['list', 'pods', '-n', 'kube-system'], jane), 1, binary);
      // system:public-info-viewer and system:discovery
      assert.equal(await can(['get', '/healthz'], jane), 0, binary);
      assert.equal(await can(['get', '/metrics'], jane), 1, binary);
      assert.equal(await can(['list', 'configmaps', '-n', 'default', '--as', 'jane']), 1, binary);
      assert.equal(await can(['list', 'configmaps', '-n', 'default', '--as', 'jane', '--as-group', 'dev']), 0, binary);
    }
  });

  test('can-i --list shows the bound rules and basic-user', async () => {
    for (const binary of binaries()) {
      const out = (await api.kubectl(['auth', 'can-i', '--list', '-n', 'default'], { kubeconfig: jane, binary })).stdout;
      assert.match(out, /^pods\s+\[\]\s+\[\]\s+\[get list watch\]/m, binary);
      assert.match(out, /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/m, binary);
      assert.match(out, /\[\/healthz\]/, binary);
    }
  });

  test('whoami for a user with no bindings (basic-user lets everyone ask)', async () => {
    for (const binary of binaries()) {
      const json = JSON.parse((await api.kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig: bob, binary })).stdout);
      assert.deepEqual(json.status.userInfo, { username: 'bob', groups: ['system:authenticated'] }, binary);
    }
  });

  test('impersonation needs the impersonate verb; a SubjectAccessReview needs its own permission', async () => {
    const refused = await api.kubectl(['get', 'pods', '-n', 'default', '--as', 'jane'], { kubeconfig: bob, allowFail: true });
    assert.match(refused.stderr, /users "jane" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope/);
    const allowed = await api.kubectl(['get', 'pods', '-n', 'default', '--as', 'jane', '--as-group', 'dev'], { kubeconfig: carol, allowFail: true });
    assert.equal(allowed.code, 0, allowed.stderr);
    const otherGroup = await api.kubectl(['get', 'pods', '-n', 'default', '--as', 'jane', '--as-group', 'system:masters'], { kubeconfig: carol, allowFail: true });
    assert.match(otherGroup.stderr, /groups "system:masters" is forbidden: User "carol" cannot impersonate resource "groups"/);
    const sar = JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'jane', resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } } });
    const byAdmin = JSON.parse((await api.kubectl(['create', '-f', '-', '-o', 'json'], { input: sar })).stdout);
    assert.equal(byAdmin.status.allowed, true);
    assert.match(byAdmin.status.reason, /RBAC: allowed by RoleBinding "jane-reads-pods\/default" of Role "pod-reader" to User "jane"/);
    const byJane = await api.kubectl(['create', '-f', '-'], { kubeconfig: jane, input: sar, allowFail: true });
    assert.match(byJane.stderr, /subjectaccessreviews\.authorization\.k8s\.io is forbidden: User "jane" cannot create resource "subjectaccessreviews"/);
  });
});
