// kubectl against a real gifee server: discovery, explain, create/apply (twice, no spurious change),
// server-side apply, get in every output format, selectors, label/annotate/patch/scale, configmaps
// and secrets from literals, version. Runs on SQLite and on etcd.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { forEachBackend } from '../helpers/backends.js';
import { olderKubectl } from '../helpers/cluster.js';

// Manifests live beside the source (the compiled test runs from dist/).
const here = dirname(fileURLToPath(import.meta.url));
const manifests = [join(here, 'manifests'), join(here, '..', '..', '..', 'test', 'e2e', 'manifests')].find((d) => existsSync(d))!;
const app = join(manifests, 'app');

forEachBackend('kubectl basics', (cluster) => {
  test('version, api-versions and api-resources', async () => {
    const v = await cluster().kubectl(['version', '-o', 'json']);
    const info = JSON.parse(v.stdout);
    assert.match(info.serverVersion.gitVersion, /^v1\.32\.\d+-gifee/);
    const versions = (await cluster().kubectl(['api-versions'])).stdout.split('\n');
    for (const gv of ['v1', 'apps/v1', 'batch/v1', 'coordination.k8s.io/v1', 'discovery.k8s.io/v1', 'events.k8s.io/v1']) assert.ok(versions.includes(gv), `api-versions lists ${gv}`);
    const res = (await cluster().kubectl(['api-resources', '--no-headers'])).stdout;
    for (const r of ['pods', 'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'controllerrevisions', 'jobs', 'cronjobs', 'leases', 'endpointslices', 'namespaces', 'services', 'endpoints', 'configmaps', 'secrets', 'serviceaccounts', 'nodes', 'events', 'persistentvolumes', 'persistentvolumeclaims']) {
      assert.match(res, new RegExp(`^${r}\\s`, 'm'), `api-resources lists ${r}`);
    }
    assert.match(res, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/m);
  });

  test('explain pods.spec.containers', async () => {
    const out = (await cluster().kubectl(['explain', 'pods.spec.containers'])).stdout;
    assert.match(out, /KIND:\s+Pod/);
    assert.match(out, /FIELD:\s+containers/);
    assert.match(out, /image\s+<string>/);
    assert.match(out, /ports\s+<\[\]ContainerPort>/);
  });

  test('apply a directory twice: created, then unchanged', async () => {
    const first = (await cluster().kubectl(['apply', '-f', app])).stdout;
    assert.match(first, /deployment\.apps\/web created/);
    assert.match(first, /service\/web created/);
    assert.match(first, /configmap\/web-config created/);
    assert.match(first, /secret\/web-secret created/);
    // The deployment controller writes status meanwhile; the spec's generation shows whether apply wrote.
    const gen1 = (await cluster().kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.generation}'])).stdout;
    const second = (await cluster().kubectl(['apply', '-f', app])).stdout;
    // A Secret applied with stringData always reads "configured" (as in Kubernetes): its patch re-sends stringData.
    for (const line of second
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('secret/')))
      assert.match(line, /unchanged$/, `second apply: ${line}`);
    const gen2 = (await cluster().kubectl(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.generation}'])).stdout;
    assert.equal(gen2, gen1, 'a no-op apply does not write');
    // Defaults were applied by the server.
    const dep = JSON.parse((await cluster().kubectl(['get', 'deploy', 'web', '-o', 'json'])).stdout);
    assert.equal(dep.spec.strategy.type, 'RollingUpdate');
    assert.equal(dep.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(dep.spec.template.spec.restartPolicy, 'Always');
    assert.equal(dep.metadata.generation, 1);
    const secret = JSON.parse((await cluster().kubectl(['get', 'secret', 'web-secret', '-o', 'json'])).stdout);
    assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 's3cret');
    assert.equal(secret.type, 'Opaque');
  });

  test('apply with a changed image updates in place (strategic merge keeps the other container)', async () => {
    const dep = JSON.parse((await cluster().kubectl(['get', 'deploy', 'web', '-o', 'json'])).stdout);
    const manifest = (await import('node:fs')).readFileSync(join(app, 'deployment.yaml'), 'utf8').replace('web:1.0', 'web:1.1');
    const out = (await cluster().kubectl(['apply', '-f', '-'], { input: manifest })).stdout;
    assert.match(out, /deployment\.apps\/web configured/);
    const after = JSON.parse((await cluster().kubectl(['get', 'deploy', 'web', '-o', 'json'])).stdout);
    assert.equal(after.spec.template.spec.containers[0].image, 'registry.local/web:1.1');
    assert.equal(after.spec.template.spec.containers[1].name, 'sidecar');
    assert.equal(after.metadata.generation, dep.metadata.generation + 1);
  });

  test('get: tables, wide, yaml, json, name, jsonpath, -A, -l, --field-selector', async () => {
    const k = cluster().kubectl;
    const table = (await k(['get', 'deployments'])).stdout;
    assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\n/);
    // Controllers run: the deployment may already have an up-to-date ReplicaSet; no node runs its pods.
    assert.match(table, /^web\s+0\/2\s+\d\s+0\s+\d+s\n/m);
    const wide = (await k(['get', 'deployments', '-o', 'wide'])).stdout;
    assert.match(wide, /CONTAINERS\s+IMAGES\s+SELECTOR/);
    assert.match(wide, /web,sidecar\s+registry\.local\/web:1\.1,registry\.local\/sidecar:2\s+app=web/);
    const svc = (await k(['get', 'svc', 'web'])).stdout;
    assert.match(svc, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    assert.match(svc, /web\s+ClusterIP\s+\S+\s+<none>\s+80\/TCP/);
    assert.match((await k(['get', 'configmap', 'web-config', '-o', 'yaml'])).stdout, /greeting: hello/);
    assert.equal(JSON.parse((await k(['get', 'cm', 'web-config', '-o', 'json'])).stdout).data.greeting, 'hello');
    assert.equal((await k(['get', 'deploy', '-o', 'name'])).stdout.trim(), 'deployment.apps/web');
    assert.equal((await k(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])).stdout, '2');
    const all = (await k(['get', 'namespaces'])).stdout;
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(all, new RegExp(`^${ns}\\s+Active`, 'm'));
    await k(['create', 'namespace', 'other']);
    await k(['create', 'configmap', 'c1', '-n', 'other', '--from-literal=a=1']);
    await k(['label', 'configmap', 'c1', '-n', 'other', 'tier=backend']);
    const allNs = (await k(['get', 'configmaps', '-A'])).stdout;
    assert.match(allNs, /^NAMESPACE\s+NAME\s+DATA\s+AGE/);
    assert.match(allNs, /^other\s+c1\s+1\s/m);
    assert.match(allNs, /^default\s+web-config\s+1\s/m);
    assert.equal((await k(['get', 'cm', '-A', '-l', 'tier=backend', '-o', 'name'])).stdout.trim(), 'configmap/c1');
    assert.equal((await k(['get', 'cm', '-A', '-l', 'tier!=backend,tier', '-o', 'name'])).stdout.trim(), '');
    // Every namespace also has the root CA publisher's kube-root-ca.crt (made shortly after the namespace).
    assert.equal((await k(['get', 'cm', '-A', '--field-selector', 'metadata.namespace=other,metadata.name!=kube-root-ca.crt', '-o', 'name'])).stdout.trim(), 'configmap/c1');
    const bad = await k(['get', 'cm', '--field-selector', 'spec.nope=1'], { allowFail: true });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /field label not supported: spec\.nope/);
  });

  test('label, annotate, patch (json, merge, strategic), scale', async () => {
    const k = cluster().kubectl;
    assert.match((await k(['label', 'deploy', 'web', 'team=a'])).stdout, /deployment\.apps\/web labeled/);
    assert.match((await k(['annotate', 'deploy', 'web', 'note=hi'])).stdout, /deployment\.apps\/web annotated/);
    assert.match((await k(['label', 'deploy', 'web', 'team-'])).stdout, /labeled/);
    await k(['patch', 'deploy', 'web', '--type', 'merge', '-p', '{"spec":{"minReadySeconds":5}}']);
    await k(['patch', 'deploy', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/template/spec/containers/1/image","value":"registry.local/sidecar:3"}]']);
    await k(['patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"EXTRA","value":"1"}]}]}}}}']);
    const d = JSON.parse((await k(['get', 'deploy', 'web', '-o', 'json'])).stdout);
    assert.equal(d.metadata.labels.team, undefined);
    assert.equal(d.metadata.annotations.note, 'hi');
    assert.equal(d.spec.minReadySeconds, 5);
    assert.equal(d.spec.template.spec.containers[1].image, 'registry.local/sidecar:3');
    assert.deepEqual(d.spec.template.spec.containers[0].env.map((e: any) => e.name).sort(), ['EXTRA', 'MODE']);
    assert.match((await k(['scale', 'deploy', 'web', '--replicas=5'])).stdout, /deployment\.apps\/web scaled/);
    assert.equal((await k(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}'])).stdout, '5');
    const scale = await cluster().request('GET', '/apis/apps/v1/namespaces/default/deployments/web/scale');
    assert.equal(scale.json.kind, 'Scale');
    assert.equal(scale.json.spec.replicas, 5);
    assert.equal(scale.json.status.selector, 'app=web');
    const failed = await k(['patch', 'deploy', 'web', '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":9}]'], { allowFail: true });
    assert.notEqual(failed.code, 0);
  });

  test('server-side apply: create, no-op, conflicts with another manager, force', async () => {
    const k = cluster().kubectl;
    const cm = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  key: ${v}\n`;
    assert.match((await k(['apply', '--server-side', '-f', '-'], { input: cm('one') })).stdout, /configmap\/ssa serverside-applied/);
    const obj = JSON.parse((await k(['get', 'cm', 'ssa', '-o', 'json', '--show-managed-fields'])).stdout);
    assert.ok(obj.metadata.managedFields.some((m: any) => m.manager === 'kubectl' && m.operation === 'Apply'));
    const rv = obj.metadata.resourceVersion;
    await k(['apply', '--server-side', '-f', '-'], { input: cm('one') });
    assert.equal((await k(['get', 'cm', 'ssa', '-o', 'jsonpath={.metadata.resourceVersion}'])).stdout, rv);
    const conflict = await k(['apply', '--server-side', '--field-manager', 'other', '-f', '-'], { input: cm('two'), allowFail: true });
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /conflict/i);
    assert.match(conflict.stderr, /\.data\.key/);
    await k(['apply', '--server-side', '--field-manager', 'other', '--force-conflicts', '-f', '-'], { input: cm('two') });
    assert.equal((await k(['get', 'cm', 'ssa', '-o', 'jsonpath={.data.key}'])).stdout, 'two');
  });

  test('create secret and configmap from literals; create -f with generateName', async () => {
    const k = cluster().kubectl;
    assert.match((await k(['create', 'secret', 'generic', 'lit', '--from-literal=user=admin'])).stdout, /secret\/lit created/);
    assert.equal(Buffer.from((await k(['get', 'secret', 'lit', '-o', 'jsonpath={.data.user}'])).stdout, 'base64').toString(), 'admin');
    const out = (await k(['create', '-f', '-', '-o', 'name'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: gen-\n' })).stdout.trim();
    assert.match(out, /^configmap\/gen-[a-z0-9]{5}$/);
  });

  test('the oldest supported kubectl (1.27) works too', async (t) => {
    const old = await olderKubectl('1.27');
    if (!old) return t.skip('kubectl.1.27 not installed beside kubectl');
    const k = (args: string[]) => cluster().kubectl(args, { binary: old });
    assert.match((await k(['get', 'deployments'])).stdout, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    assert.match((await k(['api-resources'])).stdout, /deployments/);
    assert.match((await k(['explain', 'deployments.spec.strategy'])).stdout, /rollingUpdate/);
    // The directory was applied by kubectl 1.32 already; 1.27 sees nothing to change either.
    for (const line of (await k(['apply', '-f', app])).stdout.trim().split('\n')) {
      assert.match(line, /(unchanged|configured)$/, line);
    }
    await k(['create', 'configmap', 'from-127', '--from-literal=a=b']);
    await k(['delete', 'configmap', 'from-127']);
  });
});
