// PodDisruptionBudgets end to end: the disruption controller's status, the pods/eviction
// subresource (allowed, dry run, blocked with 429, several budgets, pods that are not running, an
// edit-role user), and `kubectl drain` of one of two nodes that waits for the budget: the
// Deployment's replacement pods land on the other node and the app never drops below one ready pod.
// Nodes are played by the fake kubelet (test/helpers/fake-kubelet.ts), as in workloads.test.ts.

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { olderKubectl, startCluster, type Cluster } from '../helpers/cluster.js';
import { startFakeKubelet, type FakeKubelet } from '../helpers/fake-kubelet.js';
import { until as waitUntil } from '../helpers/wait.js';

const until = (what: string, fn: () => Promise<boolean>, ms = 30_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 200 });

const NODES = ['pdb-a', 'pdb-b'];
const isReady = (p: any) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

describe('pod disruption budgets', () => {
  let cluster: Cluster;
  let kubelet: FakeKubelet;
  const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => cluster.kubectl(args, o);
  const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
  const apply = (obj: unknown) => k(['apply', '-f', '-'], { input: JSON.stringify(obj) });
  const evict = (ns: string, name: string, extra: Record<string, unknown> = {}, query = '') => cluster.request('POST', `/api/v1/namespaces/${ns}/pods/${name}/eviction${query}`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns }, ...extra });
  const pdb = (ns: string, name: string, spec: Record<string, unknown>) => apply({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: ns }, spec });
  const pod = (ns: string, name: string, labels: Record<string, string>, spec: Record<string, unknown> = {}) => apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { containers: [{ name: 'main', image: 'registry.local/busybox:1', command: ['sleep', '3600'] }], ...spec } });
  // A pod needs its namespace's default ServiceAccount, which the controller adds a moment after the namespace.
  const namespace = async (ns: string) => {
    await k(['create', 'namespace', ns]);
    await until(`${ns}/default service account`, async () => (await k(['get', 'serviceaccount', 'default', '-n', ns], { allowFail: true })).code === 0);
  };
  const pdbStatus = async (ns: string, name: string) => (await json(['get', 'pdb', name, '-n', ns])).status ?? {};

  before(async () => {
    cluster = await startCluster();
    kubelet = await startFakeKubelet(cluster.kubeconfig, NODES);
  });
  after(async () => {
    await kubelet?.stop();
    await cluster?.stop();
  });

  test('the controller computes the status; eviction spends it, honours dry run, and is refused with 429 once spent', async () => {
    await namespace('evict');
    await pod('evict', 'solo-1', { app: 'solo' });
    await pod('evict', 'solo-2', { app: 'solo' });
    await pdb('evict', 'solo-pdb', { minAvailable: 1, selector: { matchLabels: { app: 'solo' } } });
    await until('two healthy pods and one disruption allowed', async () => {
      const s = await pdbStatus('evict', 'solo-pdb');
      return s.currentHealthy === 2 && s.disruptionsAllowed === 1;
    });
    const s = await pdbStatus('evict', 'solo-pdb');
    assert.equal(s.desiredHealthy, 1);
    assert.equal(s.expectedPods, 2);
    assert.equal(s.observedGeneration, 1);
    const cond = s.conditions.find((c: any) => c.type === 'DisruptionAllowed');
    assert.equal(cond.status, 'True');
    assert.equal(cond.reason, 'SufficientPods');
    assert.match((await k(['get', 'pdb', '-n', 'evict'])).stdout, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE\nsolo-pdb\s+1\s+N\/A\s+1\s+/);

    const described = (await k(['describe', 'pdb', 'solo-pdb', '-n', 'evict'])).stdout;
    assert.match(described, /Min available:\s+1/);
    assert.match(described, /Allowed disruptions:\s+1/);
    // A dry run checks the budget and leaves pod and budget alone.
    const dry = await evict('evict', 'solo-1', {}, '?dryRun=All');
    assert.equal(dry.status, 201, dry.body);
    assert.equal(dry.json.status, 'Success');
    assert.equal((await json(['get', 'pod', 'solo-1', '-n', 'evict'])).metadata.deletionTimestamp, undefined);
    assert.equal((await pdbStatus('evict', 'solo-pdb')).disruptionsAllowed, 1);

    // An edit-role user may evict (the edit role has pods/eviction create), through kubectl.
    await k(['create', 'rolebinding', 'dora-edit', '--clusterrole=edit', '--user=dora', '-n', 'evict']);
    await until('dora may evict', async () => (await k(['auth', 'can-i', 'create', 'pods/eviction', '-n', 'evict', '--as', 'dora'], { allowFail: true })).code === 0);
    const body = JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'solo-1', namespace: 'evict' } });
    await k(['create', '--raw', '/api/v1/namespaces/evict/pods/solo-1/eviction', '-f', '-', '--as', 'dora'], { input: body });
    await until('solo-1 gone', async () => (await k(['get', 'pod', 'solo-1', '-n', 'evict'], { allowFail: true })).code !== 0);

    // The budget is spent: the next eviction is a 429 with Kubernetes' message and cause.
    const blocked = await evict('evict', 'solo-2');
    assert.equal(blocked.status, 429, blocked.body);
    assert.equal(blocked.json.reason, 'TooManyRequests');
    assert.equal(blocked.json.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(blocked.json.details.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget solo-pdb needs 1 healthy pods and has 1 currently' }]);
    await until('the controller settles on no disruptions', async () => {
      const st = await pdbStatus('evict', 'solo-pdb');
      return st.currentHealthy === 1 && st.expectedPods === 1 && st.disruptionsAllowed === 0 && st.conditions.some((c: any) => c.reason === 'InsufficientPods');
    });
    assert.equal((await evict('evict', 'solo-2')).status, 429);
    // policy/v1beta1 bodies (older kubectl) are read the same.
    const beta = await cluster.request('POST', '/api/v1/namespaces/evict/pods/solo-2/eviction', { apiVersion: 'policy/v1beta1', kind: 'Eviction', metadata: { name: 'solo-2' } });
    assert.equal(beta.status, 429);
    const mismatch = await evict('evict', 'solo-2', { metadata: { name: 'other' } });
    assert.equal(mismatch.status, 400);
    await k(['delete', 'namespace', 'evict', '--timeout=60s']);
  });

  test('several budgets are a 500; pods that are not running are evicted without a budget; unready pods follow unhealthyPodEvictionPolicy', async () => {
    await namespace('multi');
    await pod('multi', 'multi', { app: 'multi' });
    await pdb('multi', 'multi-1', { minAvailable: 0, selector: { matchLabels: { app: 'multi' } } });
    await pdb('multi', 'multi-2', { maxUnavailable: 1, selector: { matchLabels: { app: 'multi' } } });
    await until('multi running', async () => isReady(await json(['get', 'pod', 'multi', '-n', 'multi'])));
    const two = await evict('multi', 'multi');
    assert.equal(two.status, 500, two.body);
    assert.equal(two.json.message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');

    // Pods that are not running disrupt nothing: a Pending one (bound to a node no agent serves) and a finished one.
    await pdb('multi', 'idle-pdb', { minAvailable: 5, selector: { matchLabels: { app: 'idle' } } });
    await pod('multi', 'pending', { app: 'idle' }, { nodeName: 'no-agent-node' });
    await pod('multi', 'done', { app: 'idle' }, { restartPolicy: 'Never', containers: [{ name: 'main', image: 'registry.local/busybox:1', command: ['sh', '-c', 'exit 0'] }] });
    await until('done succeeded', async () => (await json(['get', 'pod', 'done', '-n', 'multi'])).status.phase === 'Succeeded');
    assert.equal((await json(['get', 'pod', 'pending', '-n', 'multi'])).status.phase, 'Pending');
    for (const name of ['pending', 'done']) {
      const r = await evict('multi', name, { deleteOptions: { gracePeriodSeconds: 0 } });
      assert.equal(r.status, 201, `${name}: ${r.body}`);
      await until(`${name} gone`, async () => (await k(['get', 'pod', name, '-n', 'multi'], { allowFail: true })).code !== 0);
    }
    assert.equal((await evict('multi', 'no-such-pod')).status, 404);

    // A running but unready pod: guarded while the budget is short (IfHealthyBudget), not with AlwaysAllow.
    await pdb('multi', 'sick-pdb', { minAvailable: 5, selector: { matchLabels: { app: 'sick' } } });
    await pod('multi', 'sick', { app: 'sick' }, { nodeName: 'no-agent-node' });
    const running = { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] } };
    await k(['patch', 'pod', 'sick', '-n', 'multi', '--subresource=status', '--type=merge', '-p', JSON.stringify(running)]);
    await until('sick-pdb observed', async () => (await pdbStatus('multi', 'sick-pdb')).expectedPods === 1);
    const guarded = await evict('multi', 'sick');
    assert.equal(guarded.status, 429, guarded.body);
    assert.equal(guarded.json.details.causes[0].message, 'The disruption budget sick-pdb needs 5 healthy pods and has 0 currently');
    await pdb('multi', 'sick-pdb', { minAvailable: 5, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { app: 'sick' } } });
    const allowed = await evict('multi', 'sick', { deleteOptions: { gracePeriodSeconds: 0 } });
    assert.equal(allowed.status, 201, allowed.body);
    await until('sick gone', async () => (await k(['get', 'pod', 'sick', '-n', 'multi'], { allowFail: true })).code !== 0);
    // Hostile bodies are 400s, never 500s.
    for (const bad of [[], 'x', { kind: 'Pod' }, { apiVersion: 'v1' }, { deleteOptions: 'x' }, { deleteOptions: { gracePeriodSeconds: -1 } }, { deleteOptions: { dryRun: ['Some'] } }, { metadata: 7 }]) {
      const r = await cluster.request('POST', '/api/v1/namespaces/multi/pods/multi/eviction', Array.isArray(bad) || typeof bad !== 'object' ? bad : { metadata: { name: 'multi' }, ...bad });
      assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${r.body}`);
    }
    // An eviction mark (DisruptionTarget) left on a pod that was not deleted goes False once stale.
    const stale = new Date(Date.now() - 5 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await k(['patch', 'pod', 'multi', '-n', 'multi', '--subresource=status', '--type=strategic', '-p', JSON.stringify({ status: { conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastTransitionTime: stale }] } })]);
    await until('the stale mark cleared', async () => {
      const p = await json(['get', 'pod', 'multi', '-n', 'multi']);
      return p.status.conditions.some((c: any) => c.type === 'DisruptionTarget' && c.status === 'False') && isReady(p);
    });
    // dryRun in the Eviction's deleteOptions is a dry run too.
    await k(['delete', 'pdb', 'multi-2', '-n', 'multi']);
    await until('multi-1 allows a disruption', async () => (await pdbStatus('multi', 'multi-1')).disruptionsAllowed === 1);
    assert.equal((await evict('multi', 'multi', { deleteOptions: { dryRun: ['All'] } })).status, 201);
    assert.equal((await json(['get', 'pod', 'multi', '-n', 'multi'])).metadata.deletionTimestamp, undefined);
    assert.equal((await pdbStatus('multi', 'multi-1')).disruptionsAllowed, 1);
    const gone = await evict('multi', 'multi', { deleteOptions: { gracePeriodSeconds: 0 } });
    assert.equal(gone.status, 201, gone.body);
    const after = await pdbStatus('multi', 'multi-1');
    assert.ok(after.disruptedPods === undefined || 'multi' in after.disruptedPods);
    await k(['delete', 'namespace', 'multi', '--timeout=60s']);
  });

  test("percentages and maxUnavailable count against the owning Deployment's or ReplicationController's scale; a DaemonSet's budget fails safe", async () => {
    await namespace('pct');
    await apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'pct', namespace: 'pct' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'pct' } }, template: { metadata: { labels: { app: 'pct' } }, spec: { containers: [{ name: 'main', image: 'registry.local/busybox:1', command: ['sleep', '3600'] }] } } },
    });
    await pdb('pct', 'pct-pdb', { minAvailable: '50%', selector: { matchLabels: { app: 'pct' } } });
    await until('50% of 3 rounds up to 2 desired', async () => {
      const s = await pdbStatus('pct', 'pct-pdb');
      return s.expectedPods === 3 && s.desiredHealthy === 2 && s.currentHealthy === 3 && s.disruptionsAllowed === 1;
    });
    // A spec change bumps the generation; the controller catches up on observedGeneration.
    await pdb('pct', 'pct-pdb', { maxUnavailable: '50%', selector: { matchLabels: { app: 'pct' } } });
    await until('maxUnavailable 50% of 3 rounds up to 2 unavailable', async () => {
      const s = await pdbStatus('pct', 'pct-pdb');
      return s.observedGeneration === 2 && s.desiredHealthy === 1 && s.disruptionsAllowed === 2;
    });
    await k(['scale', 'deployment', 'pct', '-n', 'pct', '--replicas=4']);
    await until('the scale moves the budget', async () => {
      const s = await pdbStatus('pct', 'pct-pdb');
      return s.expectedPods === 4 && s.desiredHealthy === 2;
    });
    assert.match((await k(['get', 'pdb', 'pct-pdb', '-n', 'pct'])).stdout, /pct-pdb\s+N\/A\s+50%\s+\d+\s+/);
    assert.match((await k(['explain', 'poddisruptionbudget.spec.minAvailable'])).stdout, /IntOrString/);
    // kubectl create pdb sends protobuf: a zero minAvailable is a budget of its own and must survive.
    await k(['create', 'pdb', 'made-zero', '-n', 'pct', '--selector=app=made', '--min-available=0']);
    assert.equal((await json(['get', 'pdb', 'made-zero', '-n', 'pct'])).spec.minAvailable, 0);
    await k(['create', 'poddisruptionbudget', 'made-pct', '-n', 'pct', '--selector=app=made', '--max-unavailable=50%']);
    const made = await json(['get', 'pdb', 'made-pct', '-n', 'pct']);
    assert.deepEqual(made.spec, { maxUnavailable: '50%', selector: { matchLabels: { app: 'made' } } });
    const refused = await k(['create', 'pdb', 'bad', '-n', 'pct', '--selector=app=made', '--max-unavailable=150%'], { allowFail: true });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%/);
    // A ReplicationController's scale is read through its scale subresource.
    await apply({
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'legacy', namespace: 'pct' },
      spec: { replicas: 2, selector: { app: 'legacy' }, template: { metadata: { labels: { app: 'legacy' } }, spec: { containers: [{ name: 'main', image: 'registry.local/busybox:1', command: ['sleep', '3600'] }] } } },
    });
    await pdb('pct', 'legacy-pdb', { minAvailable: '50%', selector: { matchLabels: { app: 'legacy' } } });
    await until("50% of the ReplicationController's 2", async () => {
      const s = await pdbStatus('pct', 'legacy-pdb');
      return s.expectedPods === 2 && s.desiredHealthy === 1 && s.currentHealthy === 2 && s.disruptionsAllowed === 1;
    });
    // A DaemonSet has no scale: a maxUnavailable budget over its pods cannot be computed and fails
    // safe. (The budget is observed once first: a budget never observed is "still being processed".)
    await pdb('pct', 'agent-pdb', { maxUnavailable: 1, selector: { matchLabels: { app: 'agent' } } });
    await until('agent-pdb observed', async () => (await pdbStatus('pct', 'agent-pdb')).observedGeneration === 1);
    await apply({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'pct' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'main', image: 'registry.local/busybox:1', command: ['sleep', '3600'] }] } } },
    });
    await until('the budget fails safe', async () => {
      const c = ((await pdbStatus('pct', 'agent-pdb')).conditions ?? []).find((x: any) => x.type === 'DisruptionAllowed');
      return c?.status === 'False' && c.reason === 'SyncFailed' && /found no controllers for pod/.test(c.message);
    });
    const agentPod = (await json(['get', 'pods', '-n', 'pct', '-l', 'app=agent'])).items[0].metadata.name;
    await until('the agent pod runs', async () => isReady(await json(['get', 'pod', agentPod, '-n', 'pct'])));
    const failed = await evict('pct', agentPod);
    assert.equal(failed.status, 429, failed.body);
    assert.match(failed.json.details.causes[0].message, /^The disruption budget agent-pdb does not allow evicting pods currently because it failed sync: found no controllers for pod/);
    await k(['delete', 'namespace', 'pct', '--timeout=60s']);
  });

  test('kubectl drain waits for the budget; the replacement pods land on the other node', async () => {
    await namespace('drain');
    // Both replicas start on pdb-a: pdb-b is cordoned until they run.
    await k(['cordon', 'pdb-b']);
    assert.equal((await json(['get', 'node', 'pdb-b'])).spec.unschedulable, true);
    await apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'app', namespace: 'drain' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'app' } }, template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'main', image: 'registry.local/busybox:1', command: ['sleep', '3600'] }] } } },
    });
    await pdb('drain', 'app-pdb', { minAvailable: 1, selector: { matchLabels: { app: 'app' } } });
    const appPods = async () => (await json(['get', 'pods', '-n', 'drain', '-l', 'app=app'])).items as any[];
    await until('two ready replicas on pdb-a', async () => {
      const pods = await appPods();
      return pods.length === 2 && pods.every((p) => p.spec.nodeName === 'pdb-a' && isReady(p));
    });
    await k(['uncordon', 'pdb-b']);
    assert.equal((await json(['get', 'node', 'pdb-b'])).spec.unschedulable, undefined);
    await until('one disruption allowed', async () => (await pdbStatus('drain', 'app-pdb')).disruptionsAllowed === 1);
    // A server-side dry run evicts nothing and spends nothing.
    const dry = await k(['drain', 'pdb-a', '--ignore-daemonsets', '--delete-emptydir-data', '--dry-run=server']);
    assert.match(dry.stdout, /evicting pod drain\/app-.* \(server dry run\)\n(.*\n)*node\/pdb-a drained \(server dry run\)/);
    assert.equal((await json(['get', 'node', 'pdb-a'])).spec.unschedulable, undefined);
    assert.ok((await appPods()).every((p) => p.spec.nodeName === 'pdb-a' && !p.metadata.deletionTimestamp));
    assert.equal((await pdbStatus('drain', 'app-pdb')).disruptionsAllowed, 1);
    // Older kubectl (version skew) drains through the same subresource.
    const old = await olderKubectl('1.27');
    if (old) {
      const skew = await cluster.kubectl(['drain', 'pdb-a', '--ignore-daemonsets', '--delete-emptydir-data', '--dry-run=server'], { binary: old });
      assert.match(skew.stdout, /node\/pdb-a drained \(server dry run\)/);
      assert.ok((await appPods()).every((p) => !p.metadata.deletionTimestamp));
    }

    // Watch the app while it is drained: ready pods that are not being deleted.
    let minReady = Number.POSITIVE_INFINITY;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const list = await kubelet.client.list({ group: '', version: 'v1', plural: 'pods' }, 'drain', { labelSelector: 'app=app' });
        minReady = Math.min(minReady, list.items.filter((p) => isReady(p) && !p.metadata?.deletionTimestamp).length);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const drained = await k(['drain', 'pdb-a', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=50s']);
    watching = false;
    await watcher;
    assert.match(drained.stdout, /node\/pdb-a drained/);
    // The second pod had to wait for the first one's replacement.
    assert.match(drained.stderr, /Cannot evict pod as it would violate the pod's disruption budget\./);
    assert.ok(minReady >= 1, `the app dropped to ${minReady} ready pods`);
    await until('two ready replicas on pdb-b', async () => {
      const pods = (await appPods()).filter((p) => !p.metadata.deletionTimestamp);
      return pods.length === 2 && pods.every((p) => p.spec.nodeName === 'pdb-b' && isReady(p));
    });
    assert.equal((await json(['get', 'node', 'pdb-a'])).spec.unschedulable, true);
    await k(['uncordon', 'pdb-a']);
  });
});
