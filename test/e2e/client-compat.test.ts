// What real clients trip on, against a real gifee server: raw HTTP with the Python client's
// parameter spellings (watch=True, allowWatchBookmarks=False, pretty=True, dryRun=All), server-side
// dry run passing admission for every verb, quantities as bare numbers, Service IP families,
// Status and DELETE answers shaped as kube-apiserver's, the CRD placeholder seen through kubectl,
// and the official JavaScript client's typed APIs (@kubernetes/client-node) end to end.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
// Before the client: undici 8 needs two Node 22 APIs at load time (see the shim).
import '../helpers/node20-undici-shim.js';
import * as k8s from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

let c: Cluster;
const NS = 'compat';
const req = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => c.request(method, path, body, headers);
const cm = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' }, ...extra });
const pod = (name: string, spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'registry.local/app:1', ...container }], ...spec },
});

before(async () => {
  c = await startCluster();
  assert.equal((await req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } })).status, 201);
  // Pods are admitted once the namespace's default ServiceAccount exists.
  await until('default service account', async () => (await req('GET', `/api/v1/namespaces/${NS}/serviceaccounts/default`)).status === 200);
  assert.equal((await req('POST', `/api/v1/namespaces/${NS}/configmaps`, cm('w1'))).status, 201);
});
after(async () => {
  await c?.stop();
});

test('Python-style booleans: watch=True is a watch, allowWatchBookmarks=False sends none, watch=False a list', async () => {
  const w = await req('GET', `/api/v1/namespaces/${NS}/configmaps?watch=True&allowWatchBookmarks=False&timeoutSeconds=1`);
  assert.equal(w.status, 200);
  const events = w.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(events.length >= 1, w.body);
  assert.ok(
    events.every((e) => e.type === 'ADDED'),
    w.body,
  );
  assert.ok(events.some((e) => e.object.metadata.name === 'w1'));
  const l = await req('GET', `/api/v1/namespaces/${NS}/configmaps?watch=False`);
  assert.equal(l.json.kind, 'ConfigMapList');
  // Bare ?watch is a watch too (the parameter codec reads "" as true); TRUE as well.
  const bare = await req('GET', `/api/v1/namespaces/${NS}/configmaps?watch&timeoutSeconds=1`);
  assert.match(bare.body, /^\{"type":"ADDED"/);
  const upper = await req('GET', `/api/v1/namespaces/${NS}/configmaps?watch=TRUE&allowWatchBookmarks=True&timeoutSeconds=1`);
  assert.match(upper.body, /^\{"type":"ADDED"/);
});

test('pretty=True indents (objects, lists, errors); pretty=False and pretty=yes do not; every JSON answer ends with a newline', async () => {
  const one = await req('GET', `/api/v1/namespaces/${NS}/configmaps/w1?pretty=True`);
  assert.match(one.body, /^\{\n {2}"[a-zA-Z]+": "[^"]*",\n/);
  assert.match(one.body, /\n {2}"kind": "ConfigMap",\n/);
  assert.match(one.body, /\n {2}"metadata": \{\n {4}"name": "w1",\n/);
  assert.ok(one.body.endsWith('}\n'));
  const list = await req('GET', `/api/v1/namespaces/${NS}/configmaps?pretty=1`);
  assert.match(list.body, /^\{\n {2}"kind": "ConfigMapList",\n[\s\S]*\n {2}"items": \[\n {4}\{\n {6}"/);
  assert.ok(list.body.endsWith('\n  ]\n}\n'), JSON.stringify(list.body.slice(-20)));
  assert.deepEqual(JSON.parse(list.body).items.length, list.json.items.length);
  const compact = await req('GET', `/api/v1/namespaces/${NS}/configmaps?pretty=False`);
  assert.match(compact.body, /^\{"kind":"ConfigMapList"/);
  assert.ok(compact.body.endsWith('}\n'));
  assert.match((await req('GET', `/api/v1/namespaces/${NS}/configmaps/w1?pretty=yes`)).body, /^\{"[a-zA-Z]+":/);
  const missing = await req('GET', `/api/v1/namespaces/${NS}/configmaps/nope?pretty=true`);
  assert.equal(missing.status, 404);
  assert.match(missing.body, /^\{\n {2}"kind": "Status",/);
});

test('Status objects: kube-apiserver field order, no empty group, trailing newline', async () => {
  const r = await req('GET', `/api/v1/namespaces/${NS}/configmaps/nope`);
  assert.equal(r.body, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"configmaps"},"code":404}\n`);
  const d = await req('GET', `/apis/apps/v1/namespaces/${NS}/deployments/nope`);
  assert.deepEqual(Object.keys(d.json), ['kind', 'apiVersion', 'metadata', 'status', 'message', 'reason', 'details', 'code']);
  assert.deepEqual(d.json.details, { name: 'nope', group: 'apps', kind: 'deployments' });
});

test('dryRun=All runs admission for every verb and stores nothing; other dryRun values are 422', async () => {
  // create: a pod naming a missing PriorityClass is refused by the Priority plugin, dry run or not.
  const create = await req('POST', `/api/v1/namespaces/${NS}/pods?dryRun=All`, pod('prio', { priorityClassName: 'no-such-class' }));
  assert.equal(create.status, 403, create.body);
  assert.match(create.json.message, /no PriorityClass with name no-such-class was found/);
  // An admitted dry-run create shows what admission computed, and stores nothing.
  const ok = await req('POST', `/api/v1/namespaces/${NS}/pods?dryRun=All`, pod('dry', { priorityClassName: 'system-cluster-critical' }));
  assert.equal(ok.status, 201, ok.body);
  assert.equal(ok.json.spec.priority, 2000000000);
  assert.equal((await req('GET', `/api/v1/namespaces/${NS}/pods/dry`)).status, 404);
  const bad = await req('POST', `/api/v1/namespaces/${NS}/configmaps?dryRun=True`, cm('x'));
  assert.equal(bad.status, 422);
  assert.equal(bad.json.message, 'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"True"}: supported values: "All"');

  // update, patch and apply: RBAC escalation prevention, for a user allowed to write Roles only.
  const role = (rules: unknown[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r1', namespace: NS }, rules });
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  assert.equal((await req('POST', `${rbac}/namespaces/${NS}/roles`, role([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]))).status, 201);
  assert.equal(
    (
      await req('POST', `${rbac}/namespaces/${NS}/roles`, {
        ...role([
          { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'], verbs: ['get', 'list', 'create', 'update', 'patch'] },
          { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
        ]),
        metadata: { name: 'role-writer', namespace: NS },
      })
    ).status,
    201,
  );
  const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'bob', namespace: NS }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'role-writer' }, subjects: [{ kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' }] };
  assert.equal((await req('POST', `${rbac}/namespaces/${NS}/rolebindings`, binding)).status, 201);
  const bob = { 'Impersonate-User': 'bob' };
  const current = (await req('GET', `${rbac}/namespaces/${NS}/roles/r1`)).json;
  const escalated = { ...current, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }] };
  const put = await req('PUT', `${rbac}/namespaces/${NS}/roles/r1?dryRun=All`, escalated, bob);
  assert.equal(put.status, 403, put.body);
  const patch = await req('PATCH', `${rbac}/namespaces/${NS}/roles/r1?dryRun=All`, { rules: escalated.rules }, { ...bob, 'Content-Type': 'application/merge-patch+json' });
  assert.equal(patch.status, 403, patch.body);
  const apply = await req('PATCH', `${rbac}/namespaces/${NS}/roles/r1?dryRun=All&fieldManager=bob&force=True`, JSON.stringify(role(escalated.rules)), { ...bob, 'Content-Type': 'application/apply-patch+yaml' });
  assert.equal(apply.status, 403, apply.body);
  // Allowed dry-run writes answer with the result and store nothing.
  const harmless = await req('PATCH', `${rbac}/namespaces/${NS}/roles/r1?dryRun=All`, { metadata: { labels: { dry: 'yes' } } }, { ...bob, 'Content-Type': 'application/merge-patch+json' });
  assert.equal(harmless.status, 200, harmless.body);
  assert.equal(harmless.json.metadata.labels.dry, 'yes');
  assert.equal((await req('GET', `${rbac}/namespaces/${NS}/roles/r1`)).json.metadata.labels, undefined);

  // delete: NamespaceLifecycle keeps kube-public, dry run or not.
  const del = await req('DELETE', '/api/v1/namespaces/kube-public?dryRun=All');
  assert.equal(del.status, 403, del.body);
  assert.match(del.json.message, /this namespace may not be deleted/);
  const delDry = await req('DELETE', `/api/v1/namespaces/${NS}/configmaps/w1?dryRun=All`);
  assert.equal(delDry.status, 200);
  assert.equal((await req('GET', `/api/v1/namespaces/${NS}/configmaps/w1`)).status, 200);
});

test('quantities given as numbers are accepted and canonical; invalid ones are 422 with the field path', async () => {
  const r = await req('POST', `/api/v1/namespaces/${NS}/pods?dryRun=All`, pod('q', {}, { resources: { requests: { cpu: 0.5, memory: 1e3 }, limits: { cpu: 1, memory: '1024Mi' } } }));
  assert.equal(r.status, 201, r.body);
  assert.deepEqual(r.json.spec.containers[0].resources, { requests: { cpu: '500m', memory: '1k' }, limits: { cpu: '1', memory: '1Gi' } });
  const yaml = 'apiVersion: v1\nkind: Pod\nmetadata: {name: qy}\nspec:\n  containers:\n  - name: c\n    image: registry.local/app:1\n    resources: {limits: {cpu: 0.25, memory: 2e9}}\n';
  const y = await req('POST', `/api/v1/namespaces/${NS}/pods?dryRun=All`, yaml, { 'Content-Type': 'application/yaml' });
  assert.equal(y.status, 201, y.body);
  assert.deepEqual(y.json.spec.containers[0].resources.limits, { cpu: '250m', memory: '2G' });
  const bad = await req('POST', `/api/v1/namespaces/${NS}/pods?dryRun=All`, pod('qb', {}, { resources: { requests: { cpu: 'lots' } } }));
  assert.equal(bad.status, 422);
  assert.match(bad.json.details.causes[0].field, /^spec\.containers\[0\]\.resources\.requests\[cpu\]$/);
});

test('Services: status.loadBalancer {}, no nodePort 0, IPv6 and dual-stack refused with 422', async () => {
  const svc = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80, nodePort: 0 }], selector: { app: name }, ...spec } });
  const r = await req('POST', `/api/v1/namespaces/${NS}/services`, svc('plain', {}));
  assert.equal(r.status, 201, r.body);
  assert.deepEqual(r.json.status, { loadBalancer: {} });
  assert.equal('nodePort' in r.json.spec.ports[0], false);
  const six = await req('POST', `/api/v1/namespaces/${NS}/services?dryRun=All`, svc('six', { ipFamilies: ['IPv6'] }));
  assert.equal(six.status, 422);
  assert.equal(six.json.message, 'Service "six" is invalid: spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster');
  const dual = await req('POST', `/api/v1/namespaces/${NS}/services`, svc('dual', { ipFamilyPolicy: 'RequireDualStack' }));
  assert.equal(dual.status, 422);
  assert.match(dual.json.message, /spec\.ipFamilyPolicy: Invalid value: "RequireDualStack": this cluster is not configured for dual-stack services/);
  const ip6 = await req('POST', `/api/v1/namespaces/${NS}/services`, svc('ip6', { clusterIP: 'fd00::10' }));
  assert.equal(ip6.status, 422);
  assert.match(ip6.json.message, /spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"fd00::10"\}: IPv6 is not configured on this cluster/);
});

test('DELETE answers: Success Status for most kinds, the object for pods and services, 202 only for orphanDependents=false; deletecollection lists what it deleted', async () => {
  await req('POST', `/api/v1/namespaces/${NS}/configmaps`, cm('d1'));
  const d1 = await req('DELETE', `/api/v1/namespaces/${NS}/configmaps/d1`);
  assert.equal(d1.status, 200);
  assert.deepEqual(Object.keys(d1.json), ['kind', 'apiVersion', 'metadata', 'status', 'details']);
  assert.equal(d1.json.status, 'Success');
  assert.deepEqual(Object.keys(d1.json.details), ['name', 'kind', 'uid']);
  assert.equal(d1.json.details.kind, 'configmaps');
  // Held by a finalizer: the object, 200; 202 only when orphanDependents=false was sent.
  await req('POST', `/api/v1/namespaces/${NS}/configmaps`, cm('held', { metadata: { name: 'held', finalizers: ['example.com/hold'] } }));
  const held = await req('DELETE', `/api/v1/namespaces/${NS}/configmaps/held?propagationPolicy=Foreground`);
  assert.equal(held.status, 200);
  assert.equal(held.json.kind, 'ConfigMap');
  assert.ok(held.json.metadata.deletionTimestamp);
  // (Node's client sends a DELETE body without framing unless told its length.)
  const opts = JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', orphanDependents: false });
  const again = await req('DELETE', `/api/v1/namespaces/${NS}/configmaps/held`, opts, { 'Content-Length': String(Buffer.byteLength(opts)) });
  assert.equal(again.status, 202, again.body);
  await req('PATCH', `/api/v1/namespaces/${NS}/configmaps/held`, { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
  // Pods (unscheduled: gone at once) and services answer with the deleted object.
  await req('POST', `/api/v1/namespaces/${NS}/pods`, pod('p1'));
  const p1 = await req('DELETE', `/api/v1/namespaces/${NS}/pods/p1`);
  assert.equal(p1.status, 200);
  assert.equal(p1.json.kind, 'Pod');
  await req('POST', `/api/v1/namespaces/${NS}/services`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'gone' }, spec: { ports: [{ port: 80 }] } });
  const s = await req('DELETE', `/api/v1/namespaces/${NS}/services/gone`);
  assert.equal(s.json.kind, 'Service');
  // deletecollection: the list of the deleted objects.
  for (const n of ['c1', 'c2']) await req('POST', `/api/v1/namespaces/${NS}/configmaps`, cm(n, { metadata: { name: n, labels: { batch: 'x' } } }));
  const all = await req('DELETE', `/api/v1/namespaces/${NS}/configmaps?labelSelector=batch%3Dx`);
  assert.equal(all.status, 200);
  assert.equal(all.json.kind, 'ConfigMapList');
  assert.deepEqual(all.json.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort(), ['c1', 'c2']);
  assert.equal((await req('GET', `/api/v1/namespaces/${NS}/configmaps?labelSelector=batch%3Dx`)).json.items.length, 0);
});

test('kubectl: a kind the server does not serve is "no matches for kind", not "failed to check CRD"; once its CRD is established it is served', async () => {
  const widget = 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: compat\n';
  const r = await c.kubectl(['apply', '-f', '-'], { input: widget, allowFail: true });
  assert.notEqual(r.code, 0);
  assert.doesNotMatch(r.stderr, /failed to check CRD/);
  assert.match(r.stderr, /no matches for kind "Widget" in version "example.com\/v1"/);
  const list = await c.kubectl(['get', 'crd'], { allowFail: true });
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stderr, /No resources found/);
  const crd =
    'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {plural: widgets, singular: widget, kind: Widget}\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]\n';
  await c.kubectl(['create', '-f', '-'], { input: crd });
  await c.kubectl(['wait', '--for', 'condition=established', '--timeout=20s', 'crd/widgets.example.com']);
  await until('kubectl to find the kind', async () => (await c.kubectl(['apply', '-f', '-'], { input: widget, allowFail: true })).code === 0);
  await c.kubectl(['delete', 'crd', 'widgets.example.com']);
});

test('the official JavaScript client: CoreV1 and AppsV1 typed APIs, scale, watch, delete answers', async () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(c.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const ns = 'compat-js';
  await core.createNamespace({ body: { metadata: { name: ns } } });
  assert.equal((await core.readNamespace({ name: ns })).metadata?.name, ns);
  assert.ok((await core.listNamespace()).items.some((n) => n.metadata?.name === ns));
  await until('default service account', async () => !!(await core.readNamespacedServiceAccount({ name: 'default', namespace: ns }).catch(() => undefined)));

  // ConfigMaps: create, read, list, JSON patch, replace, delete (a V1Status).
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cfg' }, data: { a: '1' } } });
  assert.equal((await core.readNamespacedConfigMap({ name: 'cfg', namespace: ns })).data?.a, '1');
  assert.equal((await core.listNamespacedConfigMap({ namespace: ns })).items.filter((i) => i.metadata?.name === 'cfg').length, 1);
  const patched = await core.patchNamespacedConfigMap({ name: 'cfg', namespace: ns, body: [{ op: 'add', path: '/data/b', value: '2' }] });
  assert.equal(patched.data?.b, '2');
  const merged = await core.patchNamespacedConfigMap({ name: 'cfg', namespace: ns, body: { data: { c: '3' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  assert.equal(merged.data?.c, '3');
  const replaced = await core.replaceNamespacedConfigMap({ name: 'cfg', namespace: ns, body: { ...merged, data: { z: '9' } } });
  assert.deepEqual(replaced.data, { z: '9' });
  const dry = await core.deleteNamespacedConfigMap({ name: 'cfg', namespace: ns, dryRun: 'All' });
  assert.equal(dry.status, 'Success');
  assert.equal((await core.readNamespacedConfigMap({ name: 'cfg', namespace: ns })).data?.z, '9');
  const status = await core.deleteNamespacedConfigMap({ name: 'cfg', namespace: ns });
  assert.equal(status.status, 'Success');
  assert.equal(status.details?.name, 'cfg');

  // deletecollection answers with the deleted list; the client (which expects a V1Status) takes it.
  for (const n of ['bulk-1', 'bulk-2']) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: n, labels: { bulk: 'yes' } } } });
  await core.deleteCollectionNamespacedConfigMap({ namespace: ns, labelSelector: 'bulk=yes' });
  assert.equal((await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'bulk=yes' })).items.length, 0);

  // Pods: create (quantities as numbers through the typed model are strings already), list, patch, delete (a V1Pod).
  const p = await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'p', labels: { app: 'p' } }, spec: { containers: [{ name: 'c', image: 'registry.local/app:1', resources: { requests: { cpu: '0.5' } } }] } } });
  assert.equal(p.spec?.containers[0].resources?.requests?.cpu, '500m');
  assert.equal((await core.readNamespacedPod({ name: 'p', namespace: ns })).metadata?.labels?.app, 'p');
  assert.equal((await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=p' })).items.length, 1);
  const lp = await core.patchNamespacedPod({ name: 'p', namespace: ns, body: [{ op: 'add', path: '/metadata/labels/extra', value: 'y' }] });
  assert.equal(lp.metadata?.labels?.extra, 'y');
  const deletedPod = await core.deleteNamespacedPod({ name: 'p', namespace: ns });
  assert.equal(deletedPod.metadata?.name, 'p');

  // Services: create, read, replace, delete (a V1Service).
  const svc = await core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } });
  assert.match(svc.spec?.clusterIP ?? '', /^\d+\.\d+\.\d+\.\d+$/);
  assert.deepEqual(JSON.parse(JSON.stringify(svc.status)), { loadBalancer: {} });
  const svcRead = await core.readNamespacedService({ name: 'web', namespace: ns });
  const svcNew = await core.replaceNamespacedService({ name: 'web', namespace: ns, body: { ...svcRead, spec: { ...svcRead.spec, ports: [{ port: 8080 }] } } });
  assert.equal(svcNew.spec?.ports?.[0].port, 8080);
  assert.equal(svcNew.spec?.clusterIP, svc.spec?.clusterIP);
  assert.equal((await core.deleteNamespacedService({ name: 'web', namespace: ns })).metadata?.name, 'web');

  // A watch through the client's Watch helper sees an ADDED event.
  const watch = new k8s.Watch(kc);
  const seen = new Promise<string>((resolve, reject) => {
    watch
      .watch(
        `/api/v1/namespaces/${ns}/configmaps`,
        { allowWatchBookmarks: true },
        (type, obj) => {
          if (type === 'ADDED' && obj.metadata?.name === 'watched') resolve(type);
        },
        (err) => (err ? reject(err) : undefined),
      )
      .then((ctl) => seen.finally(() => ctl.abort()))
      .catch(reject);
  });
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'watched' } } });
  assert.equal(await seen, 'ADDED');

  // Deployments with the scale subresource.
  const labels = { app: 'd' };
  await apps.createNamespacedDeployment({ namespace: ns, body: { metadata: { name: 'd' }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'registry.local/app:1' }] } } } } });
  // The Scale carries the deployment's resourceVersion: a status write by the controller in between
  // is a 409 Conflict, as in Kubernetes, and the client reads and tries again.
  let scaled: k8s.V1Scale | undefined;
  for (let attempt = 0; !scaled; attempt++) {
    const scale = await apps.readNamespacedDeploymentScale({ name: 'd', namespace: ns });
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec?.replicas, 1);
    scaled = await apps.replaceNamespacedDeploymentScale({ name: 'd', namespace: ns, body: { ...scale, spec: { replicas: 3 } } }).catch((e: { code?: number }) => {
      if (e.code !== 409 || attempt > 5) throw e;
      return undefined;
    });
  }
  assert.equal(scaled.spec?.replicas, 3);
  assert.equal((await apps.readNamespacedDeployment({ name: 'd', namespace: ns })).spec?.replicas, 3);
  assert.ok((await apps.listNamespacedDeployment({ namespace: ns })).items.some((d) => d.metadata?.name === 'd'));
  const depStatus = await apps.deleteNamespacedDeployment({ name: 'd', namespace: ns, propagationPolicy: 'Background' });
  assert.equal(depStatus.status, 'Success');
  assert.equal(depStatus.details?.group, 'apps');

  // Errors arrive as the client's ApiException with the Status body.
  await assert.rejects(core.readNamespacedConfigMap({ name: 'missing', namespace: ns }), (e: unknown) => {
    const err = e as { code?: number; body?: string };
    assert.equal(err.code, 404);
    assert.equal(JSON.parse(err.body ?? '{}').reason, 'NotFound');
    return true;
  });

  // Deleting the namespace answers with the namespace, now Terminating.
  await core.deleteNamespace({ name: ns });
  const terminating = await core.readNamespace({ name: ns }).catch(() => undefined);
  if (terminating) assert.ok(terminating.metadata?.deletionTimestamp);
});
