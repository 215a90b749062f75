// RBAC with kubectl against a real cluster: a new user (a client certificate, CN=jane) can do nothing
// until bound; `kubectl create role/rolebinding` lets jane list pods in one namespace only; escalation
// is refused with Kubernetes' message; aggregation adds a custom ClusterRole to `view`; anonymous
// requests reach /version but get 403 elsewhere; `kubectl auth reconcile -f`; malformed roles are 422
// with field paths; kubectl 1.27 works too. A second cluster checks --anonymous-auth=false and
// --authorization-mode AlwaysAllow. Runs on SQLite and on etcd.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { forEachBackend } from '../helpers/backends.js';
import { olderKubectl, startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';
import { issueCert } from '../../src/cli/pki.js';
import { buildKubeconfig } from '../../src/cli/kubeconfig.js';

/** A kubeconfig for a user with a client certificate signed by the cluster CA (no groups). */
async function userKubeconfig(cluster: Cluster, name: string): Promise<string> {
  const pki = join(cluster.dataDir, 'pki');
  const ca = { cert: await readFile(join(pki, 'ca.crt'), 'utf8'), key: await readFile(join(pki, 'ca.key'), 'utf8') };
  const cert = await issueCert(ca, { commonName: name, usage: 'client' });
  const file = join(cluster.dataDir, `${name}.kubeconfig`);
  await writeFile(file, JSON.stringify(buildKubeconfig({ name, server: cluster.url, ca: ca.cert, cert: cert.cert, key: cert.key })), { mode: 0o600 });
  return file;
}

/** An HTTPS request without credentials (or with a bearer token). */
function anonymous(url: string, token?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { rejectUnauthorized: false, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => {
          let body: any = b;
          try {
            body = JSON.parse(b);
          } catch {
            /* text */
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      })
      .on('error', reject);
  });
}

forEachBackend('RBAC', (cluster) => {
  let janeKubeconfig: string | undefined;
  const jane = async (args: string[], o: { input?: string; allowFail?: boolean } = {}) => {
    janeKubeconfig ??= await userKubeconfig(cluster(), 'jane');
    return cluster().kubectl(['--kubeconfig', janeKubeconfig, ...args], o);
  };
  test('a new user can do nothing until bound, then what a Role in one namespace allows', async () => {
    const c = cluster();
    const refused = await jane(['get', 'pods', '-n', 'default'], { allowFail: true });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Error from server \(Forbidden\): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"/);

    await c.kubectl(['create', 'namespace', 'team']);
    await c.kubectl(['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods', '-n', 'team']);
    await c.kubectl(['create', 'rolebinding', 'jane-reads', '--role=pod-reader', '--user=jane', '-n', 'team']);
    await until('jane to list pods in team', async () => (await jane(['get', 'pods', '-n', 'team'], { allowFail: true })).code === 0, { timeoutMs: 10_000 });
    assert.notEqual((await jane(['get', 'pods', '-n', 'default'], { allowFail: true })).code, 0, 'only in team');
    assert.notEqual((await jane(['get', 'pods', '-A'], { allowFail: true })).code, 0, 'not across namespaces');
    assert.match((await jane(['delete', 'pod', 'nothing', '-n', 'team'], { allowFail: true })).stderr, /cannot delete resource "pods"/, 'only the verbs granted');

    const wide = (await c.kubectl(['get', 'rolebinding', 'jane-reads', '-n', 'team', '-o', 'wide'])).stdout;
    assert.match(wide, /^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS/);
    assert.match(wide, /^jane-reads\s+Role\/pod-reader\s+\S+\s+jane/m);
    const roles = (await c.kubectl(['get', 'roles', '-n', 'team'])).stdout;
    assert.match(roles, /^NAME\s+CREATED AT\n/);
    const described = (await c.kubectl(['describe', 'role', 'pod-reader', '-n', 'team'])).stdout;
    assert.match(described, /pods\s+\[\]\s+\[\]\s+\[get list watch\]/);
  });

  test('escalation is refused: no role or binding grants more than its author holds', async () => {
    const c = cluster();
    await c.kubectl(['create', 'rolebinding', 'jane-admin', '--clusterrole=admin', '--user=jane', '-n', 'team']);
    // The probe names deployments too: edit's rules reach admin by aggregation a moment after start.
    await until('jane to be admin of team', async () => (await jane(['create', 'role', 'probe', '--verb=get', '--resource=pods,deployments.apps', '-n', 'team'], { allowFail: true })).code === 0, { timeoutMs: 10_000 });
    await jane(['create', 'role', 'within', '--verb=get,list', '--resource=pods,deployments.apps', '-n', 'team']);

    const role = await jane(['create', 'role', 'nodes', '--verb=get,list', '--resource=nodes,pods', '-n', 'team'], { allowFail: true });
    assert.notEqual(role.code, 0);
    assert.match(role.stderr, /roles.rbac.authorization.k8s.io "nodes" is forbidden: user "jane" \(groups=\["system:authenticated"\]\) is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["nodes"\], Verbs:\["get" "list"\]\}/);

    const bind = await jane(['create', 'rolebinding', 'jane-root', '--clusterrole=cluster-admin', '--user=jane', '-n', 'team'], { allowFail: true });
    assert.notEqual(bind.code, 0);
    assert.match(bind.stderr, /rolebindings.rbac.authorization.k8s.io "jane-root" is forbidden: user "jane" .* is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/);
    const clusterWide = await jane(['create', 'clusterrolebinding', 'jane-root', '--clusterrole=view', '--user=jane'], { allowFail: true });
    assert.match(clusterWide.stderr, /forbidden: User "jane" cannot create resource "clusterrolebindings"/);

    // What jane holds she may pass on; `bind` on a role lets her grant it without holding it.
    await jane(['create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob', '-n', 'team']);
    await c.kubectl(['create', 'clusterrole', 'binder', '--verb=bind', '--resource=clusterroles', '--resource-name=cluster-admin']);
    await c.kubectl(['create', 'rolebinding', 'jane-binder', '--clusterrole=binder', '--user=jane', '-n', 'team']);
    await until('bind to let jane grant cluster-admin in team', async () => (await jane(['create', 'rolebinding', 'ops', '--clusterrole=cluster-admin', '--user=ops', '-n', 'team'], { allowFail: true })).code === 0, { timeoutMs: 10_000 });
  });

  test('aggregation adds a custom ClusterRole to view (and so to edit and admin)', async () => {
    const c = cluster();
    await c.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'widget-viewer', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
        rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get', 'list', 'watch'] }],
      }),
    });
    const has = async (role: string) => JSON.stringify(JSON.parse((await c.kubectl(['get', 'clusterrole', role, '-o', 'json'])).stdout).rules ?? []).includes('widgets');
    await until('view to aggregate widget-viewer', () => has('view'), { timeoutMs: 20_000 });
    await until('admin to aggregate it through edit', () => has('admin'), { timeoutMs: 20_000 });
    const view = JSON.parse((await c.kubectl(['get', 'clusterrole', 'view', '-o', 'json'])).stdout);
    assert.ok(
      view.rules.some((r: any) => r.resources.includes('pods') && r.verbs.includes('list')),
      'view keeps the system:aggregate-to-view rules',
    );
    await c.kubectl(['delete', 'clusterrole', 'widget-viewer']);
    await until('view to drop widget-viewer', async () => !(await has('view')), { timeoutMs: 20_000 });
  });

  test('anonymous requests reach public information only; a bad token is 401', async () => {
    const c = cluster();
    const version = await anonymous(`${c.url}/version`);
    assert.equal(version.status, 200);
    assert.match(version.body.gitVersion, /^v1\./);
    assert.equal((await anonymous(`${c.url}/healthz`)).status, 200);
    assert.equal((await anonymous(`${c.url}/cacerts`)).status, 200);
    const pods = await anonymous(`${c.url}/api/v1/pods`);
    assert.equal(pods.status, 403);
    assert.equal(pods.body.message, 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" at the cluster scope');
    assert.equal((await anonymous(`${c.url}/metrics`)).status, 403);
    assert.equal((await anonymous(`${c.url}/version`, 'not-a-token')).status, 401);
  });

  test('kubectl auth reconcile -f creates, then adds only what is missing', async () => {
    const c = cluster();
    const manifest = [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'cm-reader', namespace: 'team' }, rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'], verbs: ['get'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'cm-reader', namespace: 'team' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'team' }] },
    ];
    const input = manifest.map((m) => JSON.stringify(m)).join('\n');
    const first = await c.kubectl(['auth', 'reconcile', '-f', '-'], { input });
    assert.match(first.stdout, /role.rbac.authorization.k8s.io\/cm-reader reconciled/);
    assert.match(first.stdout, /rolebinding.rbac.authorization.k8s.io\/cm-reader reconciled/);
    // A rule added by hand survives; the manifest's rule is not added twice.
    await c.kubectl(['patch', 'role', 'cm-reader', '-n', 'team', '--type=json', '-p', '[{"op":"add","path":"/rules/-","value":{"apiGroups":[""],"resources":["secrets"],"verbs":["list"]}}]']);
    await c.kubectl(['auth', 'reconcile', '-f', '-'], { input });
    const role = JSON.parse((await c.kubectl(['get', 'role', 'cm-reader', '-n', 'team', '-o', 'json'])).stdout);
    assert.equal(role.rules.length, 2);
  });

  test('malformed roles and bindings are 422 with field paths', async () => {
    const c = cluster();
    const bad = await c.kubectl(['create', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'bad', namespace: 'team' },
        rules: [
          { apiGroups: [''], resources: ['pods'] },
          { verbs: ['get'], nonResourceURLs: ['/x'] },
        ],
      }),
      allowFail: true,
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The Role "bad" is invalid/);
    assert.match(bad.stderr, /rules\[0\]\.verbs: Required value: verbs must contain at least one value/);
    assert.match(bad.stderr, /rules\[1\]\.nonResourceURLs: Invalid value: \["\/x"\]: namespaced rules cannot apply to non-resource URLs/);
    const binding = await c.kubectl(['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'bad' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'sa' }] }),
      allowFail: true,
    });
    assert.match(binding.stderr, /roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"/);
    assert.match(binding.stderr, /subjects\[0\]\.namespace: Required value/);
    await c.kubectl(['create', 'clusterrolebinding', 'fixed', '--clusterrole=view', '--user=x']);
    const changed = await c.kubectl(['patch', 'clusterrolebinding', 'fixed', '--type=merge', '-p', '{"roleRef":{"name":"edit"}}'], { allowFail: true });
    assert.match(changed.stderr, /roleRef: Invalid value: .*cannot change roleRef/);
  });

  test('kubectl 1.27 creates and shows roles and bindings', async (t) => {
    const c = cluster();
    const binary = await olderKubectl('1.27');
    if (!binary) return t.skip('kubectl 1.27 not installed');
    await c.kubectl(['create', 'clusterrole', 'old-client', '--verb=get', '--non-resource-url=/logs/*'], { binary });
    await c.kubectl(['create', 'clusterrolebinding', 'old-client', '--clusterrole=old-client', '--group=ops'], { binary });
    const wide = (await c.kubectl(['get', 'clusterrolebinding', 'old-client', '-o', 'wide'], { binary })).stdout;
    assert.match(wide, /old-client\s+ClusterRole\/old-client\s+\S+\s+ops/);
    assert.match((await c.kubectl(['describe', 'clusterrole', 'old-client'], { binary })).stdout, /\[\/logs\/\*\]\s+\[\]\s+\[get\]/);
  });

  test('bootstrap roles are there, annotated for reconciliation, and restored after a restart', async () => {
    const c = cluster();
    const node = JSON.parse((await c.kubectl(['get', 'clusterrole', 'system:node', '-o', 'json'])).stdout);
    assert.equal(node.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate'], 'true');
    await c.kubectl(['patch', 'clusterrole', 'system:public-info-viewer', '--type=json', '-p', '[{"op":"replace","path":"/rules","value":[{"verbs":["get"],"nonResourceURLs":["/custom"]}]}]']);
    await c.restart();
    const viewer = JSON.parse((await c.kubectl(['get', 'clusterrole', 'system:public-info-viewer', '-o', 'json'])).stdout);
    const urls = viewer.rules.flatMap((r: any) => r.nonResourceURLs);
    assert.ok(urls.includes('/custom'), 'a user addition is kept');
    assert.ok(urls.includes('/version'), 'the missing rules are back');
  });
});

test('--anonymous-auth=false and --authorization-mode AlwaysAllow', async () => {
  const other = await startCluster({ extraArgs: ['--anonymous-auth=false', '--authorization-mode', 'AlwaysAllow', '--no-controllers'] });
  try {
    assert.equal((await anonymous(`${other.url}/version`)).status, 401);
    const kc = await userKubeconfig(other, 'jane');
    assert.equal((await other.kubectl(['--kubeconfig', kc, 'get', 'pods', '-A'])).code, 0);
  } finally {
    await other.stop();
  }
});
