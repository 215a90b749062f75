// The storage, networking and node kinds with the real kubectl, no node agent: each is in discovery
// and `kubectl explain`, can be created and read back with its columns; `kubectl get sc` marks the
// default class; `kubectl create ingress` works and the default IngressClass is filled in; invalid
// objects are refused with Kubernetes' 422 and field path; the RuntimeClass admission plugin refuses
// a pod naming a missing class and applies a class's overhead and scheduling.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { until } from '../helpers/wait.js';

let c: Cluster;
before(async () => {
  // With controllers: the admin, edit and view roles are aggregated by the clusterrole-aggregation controller.
  // Without the default StorageClass `local`: this test's own `standard` is the only default.
  c = await startCluster({ extraArgs: ['--no-default-storage-class'] });
});
after(async () => c?.stop());

const k = (args: string[], input?: string) => c.kubectl(args, { input });
const fails = (args: string[], input?: string) => c.kubectl(args, { input, allowFail: true });

const objects = `
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: rancher.io/local-path
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fast
provisioner: ebs.csi.aws.com
reclaimPolicy: Retain
volumeBindingMode: WaitForFirstConsumer
allowVolumeExpansion: true
---
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata:
  name: hostpath.csi.k8s.io
spec:
  podInfoOnMount: true
---
apiVersion: storage.k8s.io/v1
kind: CSINode
metadata:
  name: node-1
spec:
  drivers:
    - name: hostpath.csi.k8s.io
      nodeID: node-1
---
apiVersion: storage.k8s.io/v1
kind: VolumeAttachment
metadata:
  name: csi-attach-1
spec:
  attacher: hostpath.csi.k8s.io
  nodeName: node-1
  source:
    persistentVolumeName: pv-1
---
apiVersion: storage.k8s.io/v1
kind: CSIStorageCapacity
metadata:
  name: capacity-1
  namespace: default
storageClassName: fast
capacity: 100Gi
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: gifee
  annotations:
    ingressclass.kubernetes.io/is-default-class: "true"
spec:
  controller: gifee.dev/ingress-controller
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  ingress:
    - from:
        - ipBlock:
            cidr: 172.17.0.0/16
            except: [172.17.1.0/24]
      ports:
        - port: 6379
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: kata
handler: kata
overhead:
  podFixed:
    cpu: 250m
    memory: 120Mi
scheduling:
  nodeSelector:
    runtime: kata
`;

test('every kind is discovered, created, read back with its columns and explained', async () => {
  const resources = (await k(['api-resources', '--no-headers'])).stdout;
  for (const [name, short, group, namespaced, kind] of [
    ['storageclasses', 'sc', 'storage.k8s.io/v1', 'false', 'StorageClass'],
    ['csidrivers', '', 'storage.k8s.io/v1', 'false', 'CSIDriver'],
    ['csinodes', '', 'storage.k8s.io/v1', 'false', 'CSINode'],
    ['volumeattachments', '', 'storage.k8s.io/v1', 'false', 'VolumeAttachment'],
    ['csistoragecapacities', '', 'storage.k8s.io/v1', 'true', 'CSIStorageCapacity'],
    ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress'],
    ['ingressclasses', '', 'networking.k8s.io/v1', 'false', 'IngressClass'],
    ['networkpolicies', 'netpol', 'networking.k8s.io/v1', 'true', 'NetworkPolicy'],
    ['runtimeclasses', '', 'node.k8s.io/v1', 'false', 'RuntimeClass'],
  ]) {
    assert.match(resources, new RegExp(`^${name}\\s+${short ? `${short}\\s+` : ''}${group.replace('.', '\\.')}\\s+${namespaced}\\s+${kind}\\s*$`, 'm'), `${name} in api-resources`);
  }

  const created = (await k(['apply', '-f', '-'], objects)).stdout;
  assert.equal(created.trim().split('\n').length, 9, created);
  assert.match(created, /volumeattachment\.storage\.k8s\.io\/csi-attach-1 created/);

  const sc = (await k(['get', 'sc'])).stdout;
  assert.match(sc, /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE$/m);
  assert.match(sc, /^standard \(default\)\s+rancher\.io\/local-path\s+Delete\s+Immediate\s+false\s+\S+$/m);
  assert.match(sc, /^fast\s+ebs\.csi\.aws\.com\s+Retain\s+WaitForFirstConsumer\s+true\s+\S+$/m);

  assert.match((await k(['get', 'csidrivers'])).stdout, /^hostpath\.csi\.k8s\.io\s+true\s+true\s+false\s+<unset>\s+false\s+Persistent\s+\S+$/m);
  assert.match((await k(['get', 'csinodes'])).stdout, /^node-1\s+1\s+\S+$/m);
  assert.match((await k(['get', 'volumeattachments'])).stdout, /^csi-attach-1\s+hostpath\.csi\.k8s\.io\s+pv-1\s+node-1\s+false\s+\S+$/m);
  assert.match((await k(['get', 'csistoragecapacities'])).stdout, /^capacity-1\s+fast\s+100Gi\s+\S+$/m);
  // The API server made this class at start (the agents' ingress controller's); apply adopts it.
  assert.match((await k(['get', 'ingressclasses'])).stdout, /^gifee\s+gifee\.dev\/ingress-controller\s+<none>\s+\S+$/m);
  assert.match((await k(['get', 'netpol'])).stdout, /^NAME\s+POD-SELECTOR\s+AGE\n^db\s+role=db\s+\S+$/m);
  assert.match((await k(['get', 'runtimeclasses'])).stdout, /^NAME\s+HANDLER\s+AGE\n^kata\s+kata\s+\S+$/m);
  // Defaults as Kubernetes sets them (and its always-present Go structs).
  assert.equal((await k(['get', 'volumeattachment', 'csi-attach-1', '-o', 'jsonpath={.status}'])).stdout, '{"attached":false}');
  await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'everything' }, spec: {} }));
  assert.equal((await k(['get', 'netpol', 'everything', '-o', 'jsonpath={.spec}'])).stdout, '{"podSelector":{},"policyTypes":["Ingress"]}');
  assert.equal((await k(['get', 'netpol', 'db', '-o', 'jsonpath={.spec.policyTypes}/{.spec.ingress[0].ports[0].protocol}'])).stdout, '["Ingress"]/TCP');

  // The DefaultStorageClass admission plugin gives a claim without a class the default one.
  await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }));
  assert.equal((await k(['get', 'pvc', 'data', '-o', 'jsonpath={.spec.storageClassName}'])).stdout, 'standard');

  const explainPaths = (await k(['explain', 'ingress.spec.rules.http.paths'])).stdout;
  assert.match(explainPaths, /backend\s+<IngressBackend> -required-/);
  assert.match(explainPaths, /pathType\s+<string> -required-/);
  assert.match((await k(['explain', 'storageclass'])).stdout, /provisioner\s+<string> -required-/);
  for (const what of ['csidriver.spec.fsGroupPolicy', 'csinode.spec.drivers', 'volumeattachment.status', 'csistoragecapacity.capacity', 'ingressclass.spec.parameters', 'networkpolicy.spec.ingress.ports.endPort', 'runtimeclass.overhead.podFixed']) {
    const r = await fails(['explain', what]);
    assert.equal(r.code, 0, `kubectl explain ${what}: ${r.stderr}`);
  }
});

test('kubectl create ingress, the default IngressClass, kubectl get ing', async () => {
  await k(['create', 'ingress', 'web', '--rule=shop.example/*=web:80', '--class=gifee']);
  const ing = (await k(['get', 'ing'])).stdout;
  assert.match(ing, /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE$/m);
  assert.match(ing, /^web\s+gifee\s+shop\.example\s+80\s+\S+$/m);
  const web = JSON.parse((await k(['get', 'ing', 'web', '-o', 'json'])).stdout);
  assert.deepEqual(web.spec.rules[0].http.paths[0], { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } });
  assert.deepEqual(web.status, { loadBalancer: {} }, "a new Ingress's status, as Kubernetes writes it");

  // No class named: the default class is filled in (kubectl create ingress without --class).
  await k(['create', 'ingress', 'shop', '--rule=api.example/v1=api:http,tls=api-cert']);
  assert.equal((await k(['get', 'ing', 'shop', '-o', 'jsonpath={.spec.ingressClassName}'])).stdout, 'gifee');
  assert.match((await k(['get', 'ing', 'shop'])).stdout, /^shop\s+gifee\s+api\.example\s+80, 443\s+\S+$/m);
  // The class annotation counts as naming a class.
  await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'legacy', annotations: { 'kubernetes.io/ingress.class': 'nginx' } }, spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } } }));
  assert.equal((await k(['get', 'ing', 'legacy', '-o', 'jsonpath={.spec.ingressClassName}'])).stdout, '');

  // Ingress status is written through its subresource (on another class's Ingress: gifee's own
  // are the ingress-status controller's to write, which lists the nodes whose controller listens).
  const st = await c.request('PATCH', '/apis/networking.k8s.io/v1/namespaces/default/ingresses/legacy/status', { status: { loadBalancer: { ingress: [{ ip: '127.0.0.10' }] } } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(st.status, 200, st.body);
  assert.match((await k(['get', 'ing', 'legacy'])).stdout, /^legacy\s+<none>\s+\*\s+127\.0\.0\.10\s+80\s+\S+$/m);
});

test('invalid objects are refused with 422 and the field path', async () => {
  const bad = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'bad' }, spec: { rules: [{ host: 'shop.example', http: { paths: [{ path: 'shop', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } };
  const r = await fails(['create', '-f', '-'], JSON.stringify(bad));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /The Ingress "bad" is invalid: spec\.rules\[0\]\.http\.paths\[0\]\.path: Invalid value: "shop": must be an absolute path/);

  const raw = await c.request('POST', '/apis/networking.k8s.io/v1/namespaces/default/networkpolicies', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'bad' }, spec: { podSelector: {}, egress: [{ ports: [{ port: 'http', endPort: 90 }] }] } });
  assert.equal(raw.status, 422);
  assert.equal(raw.json.reason, 'Invalid');
  assert.deepEqual(raw.json.details.causes, [{ reason: 'FieldValueInvalid', message: 'Invalid value: 90: may not be specified when `port` is non-numeric', field: 'spec.egress[0].ports[0].endPort' }]);

  const immutable = await fails(['patch', 'sc', 'fast', '--type=merge', '-p', '{"provisioner":"other.example.com"}']);
  assert.match(immutable.stderr, /provisioner: Forbidden: updates to provisioner are forbidden\./);
  const handler = await fails(['patch', 'runtimeclass', 'kata', '--type=merge', '-p', '{"handler":"runc"}']);
  assert.match(handler.stderr, /handler: Invalid value: "runc": field is immutable/);
});

test('the RuntimeClass admission plugin', async () => {
  const pod = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'gifee.local/busybox:1' }], ...spec } });
  const missing = await fails(['create', '-f', '-'], pod('lost', { runtimeClassName: 'missing' }));
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /pods "lost" is forbidden: pod rejected: RuntimeClass "missing" not found/);
  // A server dry run is refused the same way.
  const dry = await fails(['create', '--dry-run=server', '-f', '-'], pod('lost', { runtimeClassName: 'missing' }));
  assert.match(dry.stderr, /pod rejected: RuntimeClass "missing" not found/);

  await k(['create', '-f', '-'], pod('sandboxed', { runtimeClassName: 'kata', nodeSelector: { disk: 'ssd' } }));
  const spec = JSON.parse((await k(['get', 'pod', 'sandboxed', '-o', 'json'])).stdout).spec;
  assert.deepEqual(spec.overhead, { cpu: '250m', memory: '120Mi' });
  assert.deepEqual(spec.nodeSelector, { disk: 'ssd', runtime: 'kata' });

  const conflict = await fails(['create', '-f', '-'], pod('clash', { runtimeClassName: 'kata', nodeSelector: { runtime: 'runc' } }));
  assert.match(conflict.stderr, /pods "clash" is forbidden: conflict: runtimeClass\.scheduling\.nodeSelector\[runtime\] = kata; pod\.spec\.nodeSelector\[runtime\] = runc/);
  const overhead = await fails(['create', '-f', '-'], pod('heavy', { overhead: { cpu: '1' } }));
  assert.match(overhead.stderr, /pods "heavy" is forbidden: pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead/);
});

test("the admin, edit and view roles reach these kinds as Kubernetes' do", async () => {
  await k(['create', 'rolebinding', 'viewer', '--clusterrole=view', '--user=vera']);
  await k(['create', 'rolebinding', 'editor', '--clusterrole=edit', '--user=ed']);
  const can = async (user: string, verb: string, resource: string, ...more: string[]) => (await fails(['auth', 'can-i', verb, resource, '--as', user, ...more])).stdout.trim();
  await until('the view role aggregated', async () => (await can('vera', 'list', 'pods')) === 'yes', { timeoutMs: 30_000 });
  assert.equal(await can('vera', 'list', 'ingresses.networking.k8s.io'), 'yes');
  assert.equal(await can('vera', 'get', 'ingresses.networking.k8s.io', '--subresource=status'), 'yes');
  assert.equal(await can('vera', 'watch', 'networkpolicies.networking.k8s.io'), 'yes');
  assert.equal(await can('vera', 'create', 'ingresses.networking.k8s.io'), 'no');
  assert.equal(await can('ed', 'create', 'ingresses.networking.k8s.io'), 'yes');
  assert.equal(await can('ed', 'delete', 'networkpolicies.networking.k8s.io'), 'yes');
  // Cluster-scoped classes and CSI objects are for cluster admins only, as in Kubernetes.
  for (const r of ['storageclasses.storage.k8s.io', 'ingressclasses.networking.k8s.io', 'runtimeclasses.node.k8s.io', 'csistoragecapacities.storage.k8s.io']) assert.equal(await can('ed', 'list', r), 'no', r);
});
