// Node failure end to end: a node whose agent stops renewing its Lease goes NotReady (Ready=Unknown),
// gets the unreachable taints, its pods go not Ready and are evicted per their tolerations; when the
// agent comes back the taints go. The fake kubelet (test/helpers/fake-kubelet.ts) stands in for the
// node agent. The API server adds Kubernetes' DefaultTolerationSeconds tolerations (300s for
// not-ready/unreachable) to pods that state none, so the test pods state theirs explicitly.

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { startFakeKubelet, type FakeKubelet } from '../helpers/fake-kubelet.js';

const until = async (what: string, fn: () => Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe('node lifecycle', () => {
  let cluster: Cluster;
  let kubelet: FakeKubelet;
  const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => cluster.kubectl(args, o);
  const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);

  before(async () => {
    cluster = await startCluster({ env: { GIFEE_NODE_MONITOR_GRACE_MS: '2000' } });
    kubelet = await startFakeKubelet(cluster.kubeconfig, ['node-1', 'node-2'], { leaseEveryMs: 400 });
  });
  after(async () => {
    await kubelet?.stop();
    await cluster?.stop();
  });

  const pod = (name: string, tolerations: unknown[]) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { nodeName: 'node-2', tolerations, containers: [{ name: 'c', image: 'registry.local/app:1' }] },
  });
  const unreachable = (seconds?: number) => ({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}) });

  test('a silent node goes NotReady, is tainted, its pods are evicted per toleration, and recovers', async () => {
    await k(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod('intolerant', [unreachable(0)]), pod('patient', [unreachable(5)]), pod('steadfast', [unreachable()])] }) });
    await k(['wait', '--for=condition=Ready', 'pod/intolerant', 'pod/patient', 'pod/steadfast', '--timeout=30s']);
    // A healthy node stays Ready well past the grace period while its lease is renewed.
    await new Promise((r) => setTimeout(r, 3000));
    assert.match((await k(['get', 'node', 'node-2'])).stdout, /node-2\s+Ready\s/);

    kubelet.stopNode('node-2');
    const stoppedAt = Date.now();
    await until('node-2 Ready=Unknown', async () => (await json(['get', 'node', 'node-2'])).status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'Unknown'));
    const node = await json(['get', 'node', 'node-2']);
    const ready = node.status.conditions.find((c: any) => c.type === 'Ready');
    assert.equal(ready.reason, 'NodeStatusUnknown');
    assert.equal(ready.message, 'Kubelet stopped posting node status.');
    assert.match((await k(['get', 'node', 'node-2'])).stdout, /node-2\s+NotReady\s/);
    await until('unreachable taints', async () => {
      const taints = ((await json(['get', 'node', 'node-2'])).spec.taints ?? []).map((t: any) => `${t.key}:${t.effect}`).sort();
      return taints.join() === 'node.kubernetes.io/unreachable:NoExecute,node.kubernetes.io/unreachable:NoSchedule';
    });
    assert.equal((await json(['get', 'node', 'node-1'])).status.conditions.find((c: any) => c.type === 'Ready').status, 'True', 'the live node stays Ready');

    const deleting = async (name: string) => !!(await json(['get', 'pod', name])).metadata.deletionTimestamp;
    const taintedAt = Date.parse((await json(['get', 'node', 'node-2'])).spec.taints.find((t: any) => t.effect === 'NoExecute').timeAdded);
    await until('the intolerant pod evicted at once', () => deleting('intolerant'), 10_000);
    // On a loaded machine the check above may itself take seconds: judge by the recorded times.
    if (Date.now() - taintedAt < 4000) assert.equal(await deleting('patient'), false, 'a pod tolerating 5s is not evicted at once');
    const steadfast = await json(['get', 'pod', 'steadfast']);
    assert.equal(steadfast.status.conditions.find((c: any) => c.type === 'Ready').status, 'False', 'pods on the node are marked not Ready');
    await until('the patient pod evicted after its tolerationSeconds', () => deleting('patient'), 15_000);
    assert.ok(Date.now() - stoppedAt >= 5000, 'not before tolerationSeconds');
    const evictedAt = Date.parse((await json(['get', 'pod', 'patient'])).metadata.deletionTimestamp);
    assert.ok(evictedAt - taintedAt >= 4000, `evicted ${evictedAt - taintedAt}ms after the taint, not after its 5s toleration`);
    assert.equal(await deleting('steadfast'), false, 'a pod tolerating forever stays');
    const events = (await k(['get', 'events', '--field-selector', 'involvedObject.name=node-2'])).stdout;
    assert.match(events, /NodeNotReady/);

    kubelet.startNode('node-2');
    await until('node-2 Ready again without readiness taints', async () => {
      const n = await json(['get', 'node', 'node-2']);
      return n.status.conditions.find((c: any) => c.type === 'Ready').status === 'True' && !(n.spec.taints ?? []).length;
    });
    // The agent confirms the evicted pods' deletion once it is back.
    await until('evicted pods gone', async () => (await k(['get', 'pods', '-o', 'name'])).stdout.trim() === 'pod/steadfast');
  });
});
