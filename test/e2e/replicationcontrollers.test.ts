// The core kinds old manifests and old clients use, end to end with the real kubectl against a real
// `gifee server`: ReplicationControllers (the docs' nginx RC: pods, kubectl scale, get -o wide,
// cascading delete), the top-level Binding resource (raw HTTP, as old schedulers POST it), and
// `kubectl get cs`. No node agent runs: the fake kubelet (test/helpers/fake-kubelet.ts) binds pods and
// reports them Ready, as in workloads.test.ts.

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { startFakeKubelet, type FakeKubelet } from '../helpers/fake-kubelet.js';
import { until } from '../helpers/wait.js';
import { startEtcd, type EtcdProcess } from '../helpers/etcd.js';

// The ReplicationController page of the Kubernetes docs (controllers/replication.yaml).
const NGINX_RC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: nginx
spec:
  replicas: 3
  selector:
    app: nginx
  template:
    metadata:
      name: nginx
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx
        ports:
        - containerPort: 80
`;

describe('ReplicationControllers, Bindings and ComponentStatuses', () => {
  let cluster: Cluster;
  let kubelet: FakeKubelet | undefined;
  const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => cluster.kubectl(args, o);
  const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
  const livePods = async (selector: string) => (await json(['get', 'pods', '-l', selector])).items.filter((p: any) => !p.metadata.deletionTimestamp);

  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await kubelet?.stop();
    await cluster?.stop();
  });

  // First, before the fake kubelet binds every unbound pod.
  test('POST /api/v1/namespaces/{ns}/bindings binds the pod metadata.name names, once', async () => {
    await k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'manual' }, spec: { schedulerName: 'my-scheduler', containers: [{ name: 'c', image: 'nginx' }] } }) });
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'manual' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-x' } };
    const dry = await cluster.request('POST', '/api/v1/namespaces/default/bindings?dryRun=All', binding);
    assert.equal(dry.status, 201, dry.body);
    assert.equal((await json(['get', 'pod', 'manual'])).spec.nodeName, undefined, 'a dry run binds nothing');
    const r = await cluster.request('POST', '/api/v1/namespaces/default/bindings', binding);
    assert.equal(r.status, 201, r.body);
    assert.equal(r.json.kind, 'Status');
    assert.equal(r.json.status, 'Success');
    assert.equal((await json(['get', 'pod', 'manual'])).spec.nodeName, 'node-x');

    const again = await cluster.request('POST', '/api/v1/namespaces/default/bindings', { ...binding, target: { kind: 'Node', name: 'node-y' } });
    assert.equal(again.status, 409, again.body);
    assert.match(again.json.message, /already assigned to node "node-x"/);
    const missing = await cluster.request('POST', '/api/v1/namespaces/default/bindings', { ...binding, metadata: { name: 'no-such-pod' } });
    assert.equal(missing.status, 404, missing.body);
    const unnamed = await cluster.request('POST', '/api/v1/namespaces/default/bindings', { ...binding, metadata: {} });
    assert.equal(unnamed.status, 422, unnamed.body);
    const badName = await cluster.request('POST', '/api/v1/namespaces/default/bindings', { ...binding, metadata: { name: '../kube-system/x' } });
    assert.equal(badName.status, 422, badName.body);
    const get = await cluster.request('GET', '/api/v1/namespaces/default/bindings');
    assert.equal(get.status, 405, get.body);
    await k(['delete', 'pod', 'manual', '--grace-period=0', '--force', '--wait=false'], { allowFail: true });
  });

  test('discovery and kubectl explain know the three kinds', async () => {
    const v1 = (await cluster.request('GET', '/api/v1')).json;
    const res = (name: string) => v1.resources.find((r: any) => r.name === name);
    assert.deepEqual(res('replicationcontrollers').shortNames, ['rc']);
    assert.deepEqual(res('replicationcontrollers').categories, ['all']);
    assert.ok(res('replicationcontrollers/scale'), 'scale subresource');
    assert.ok(res('replicationcontrollers/status'), 'status subresource');
    assert.deepEqual(res('bindings').verbs, ['create']);
    assert.deepEqual([...res('componentstatuses').verbs].sort(), ['get', 'list']);
    assert.deepEqual(res('componentstatuses').shortNames, ['cs']);
    assert.equal(res('componentstatuses').namespaced, false);
    assert.match((await k(['explain', 'rc.spec.selector'])).stdout, /map\[string\]string/);
    assert.match((await k(['explain', 'bindings.target'])).stdout, /ObjectReference/);
    assert.match((await k(['explain', 'cs.conditions'])).stdout, /ComponentCondition/);
  });

  test("the docs' nginx RC: pods owned by it, ready, and kubectl get rc (-o wide)", async () => {
    kubelet = await startFakeKubelet(cluster.kubeconfig, ['node-a', 'node-b']);
    await k(['apply', '-f', '-'], { input: NGINX_RC });
    const rc = await json(['get', 'rc', 'nginx']);
    assert.deepEqual(rc.metadata.labels, { app: 'nginx' }, 'labels defaulted from the template');
    await k(['wait', '--for=jsonpath={.status.readyReplicas}=3', 'rc/nginx', '--timeout=60s']);
    const pods = await livePods('app=nginx');
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'nginx', uid: rc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const status = (await json(['get', 'rc', 'nginx'])).status;
    assert.equal(status.replicas, 3);
    assert.equal(status.fullyLabeledReplicas, 3);
    assert.equal(status.availableReplicas, 3);
    assert.equal(status.observedGeneration, 1);

    const table = (await k(['get', 'rc', 'nginx'])).stdout;
    assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\n/);
    assert.match(table, /\nnginx\s+3\s+3\s+3\s+\S+\n/);
    const wide = (await k(['get', 'rc', '-o', 'wide'])).stdout;
    assert.match(wide, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\n/);
    assert.match(wide, /\nnginx\s+3\s+3\s+3\s+\S+\s+nginx\s+nginx\s+app=nginx\n/);
    assert.match((await k(['get', 'all'])).stdout, /replicationcontroller\/nginx\s+3\s+3\s+3/);
    // kubectl's typed describer: the RC, its pods by selector, and the controller's events.
    const described = (await k(['describe', 'rc', 'nginx'])).stdout;
    assert.match(described, /Selector:\s+app=nginx/);
    assert.match(described, /Replicas:\s+3 current \/ 3 desired/);
    assert.match(described, /Pods Status:\s+3 Running/);
    assert.match(described, /SuccessfulCreate\s+\S+\s+replication-controller\s+Created pod: nginx-/);
  });

  test('kubectl scale rc up and down', async () => {
    await k(['scale', 'rc', 'nginx', '--replicas=5']);
    await until('5 nginx pods', async () => (await livePods('app=nginx')).length === 5);
    await k(['wait', '--for=jsonpath={.status.readyReplicas}=5', 'rc/nginx', '--timeout=60s']);
    await k(['scale', 'rc', 'nginx', '--replicas=1']);
    await until('1 nginx pod', async () => (await livePods('app=nginx')).length === 1);
    await k(['wait', '--for=jsonpath={.status.replicas}=1', 'rc/nginx', '--timeout=60s']);
    assert.match((await k(['get', 'rc', 'nginx'])).stdout, /\nnginx\s+1\s+1\s+1\s+/);
  });

  test("deleting the RC deletes its pods (the garbage collector follows the pods' owner references)", async () => {
    await k(['delete', 'rc', 'nginx']);
    await until('the nginx pods gone', async () => (await json(['get', 'pods', '-l', 'app=nginx'])).items.length === 0);
  });

  test('kubectl get cs: every component healthy, with the deprecation warning', async () => {
    let out = { stdout: '', stderr: '' };
    await until(
      'every component Healthy',
      async () => {
        out = await k(['get', 'cs']);
        return out.stdout.split('\n').filter((l) => /\sHealthy\s/.test(l)).length === 3;
      },
      { context: () => out.stdout },
    );
    assert.match(out.stdout, /^NAME\s+STATUS\s+MESSAGE\s+ERROR\n/);
    assert.match(out.stdout, /\nscheduler\s+Healthy\s+ok\s*\n/);
    assert.match(out.stdout, /\ncontroller-manager\s+Healthy\s+ok\s*\n/);
    assert.match(out.stdout, /\netcd-0\s+Healthy\s+ok \(the store is SQLite/);
    assert.match(out.stderr, /Warning: v1 ComponentStatus is deprecated in v1\.19\+/);
    const one = await json(['get', 'componentstatus', 'scheduler']);
    assert.deepEqual(one.conditions, [{ type: 'Healthy', status: 'True', message: 'ok' }]);
    const missing = await k(['get', 'cs', 'nope'], { allowFail: true });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /componentstatuses "nope" not found/);
    const del = await cluster.request('DELETE', '/api/v1/componentstatuses/scheduler');
    assert.equal(del.status, 405);
  });
});

describe('ComponentStatuses on etcd', () => {
  let etcd: EtcdProcess | undefined;
  let cluster: Cluster | undefined;
  after(async () => {
    await cluster?.stop();
    await etcd?.stop();
  });

  test('etcd-0 is the etcd the server uses: healthy, then unhealthy once it is gone', async () => {
    etcd = await startEtcd();
    cluster = await startCluster({ backend: 'etcd', etcdEndpoints: etcd.endpoints });
    const c = cluster;
    let out = '';
    await until(
      'every component Healthy',
      async () => {
        out = (await c.kubectl(['get', 'cs'])).stdout;
        return out.split('\n').filter((l) => /\sHealthy\s/.test(l)).length === 3;
      },
      { context: () => out },
    );
    assert.match(out, /\netcd-0\s+Healthy\s+ok\s*\n/);
    await etcd.stop();
    etcd = undefined;
    await until(
      'etcd-0 Unhealthy',
      async () => {
        out = (await c.kubectl(['get', 'cs'], { allowFail: true })).stdout;
        return /\netcd-0\s+Unhealthy\s+etcd: /.test(out);
      },
      { timeoutMs: 30_000, context: () => out },
    );
  });
});
