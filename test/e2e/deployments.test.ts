// Deployments, ReplicaSets and default ServiceAccounts end to end, driven with the real kubectl
// against a real `gifee server`. No node agent or scheduler runs here: the fake kubelet in
// test/helpers/fake-kubelet.ts stands in for both (binds pods, reports them Running, then Ready
// ~300ms later, and confirms deletions), clearly a stand-in until they land.

import { describe, before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/kind.js';
import { R } from '../../src/client/resources.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { startFakeKubelet, type FakeKubelet } from '../helpers/fake-kubelet.js';

const until = async (what: string, fn: () => Promise<boolean>, ms = 30_000) => {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
};

const isReady = (p: KObject) => ((p.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

describe('deployments', () => {
  let cluster: Cluster;
  let kubelet: FakeKubelet;
  const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => cluster.kubectl(args, o);
  const json = async (args: string[]) => JSON.parse((await k([...args, '-o', 'json'])).stdout);
  const apply = (obj: unknown) => k(['apply', '-f', '-'], { input: JSON.stringify(obj) });
  const rollout = (name: string) => k(['rollout', 'status', `deployment/${name}`, '--timeout=60s']);
  const deployment = (name: string, spec: Record<string, unknown> = {}, image = 'registry.local/web:1') => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas: 3, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } }, ...spec },
  });
  const podsOf = async (app: string) => (await json(['get', 'pods', '-l', `app=${app}`])).items.filter((p: KObject) => !p.metadata?.deletionTimestamp);

  before(async () => {
    cluster = await startCluster();
    kubelet = await startFakeKubelet(cluster.kubeconfig, ['node-a', 'node-b']);
  });
  after(async () => {
    await kubelet?.stop();
    await cluster?.stop();
  });

  test('create deployment: rollout status finishes, pods are owned by a hashed ReplicaSet', async () => {
    await k(['create', 'deployment', 'hello', '--image=registry.local/hello:1', '--replicas=3']);
    assert.match((await rollout('hello')).stdout, /deployment "hello" successfully rolled out/);
    const rs = (await json(['get', 'rs', '-l', 'app=hello'])).items;
    assert.equal(rs.length, 1);
    const hash = rs[0].metadata.labels['pod-template-hash'];
    assert.ok(hash, 'pod-template-hash label');
    assert.equal(rs[0].metadata.name, `hello-${hash}`);
    assert.equal(rs[0].metadata.annotations['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs[0].metadata.annotations['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs[0].metadata.annotations['deployment.kubernetes.io/max-replicas'], '4');
    assert.deepEqual(rs[0].status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    const pods = await podsOf('hello');
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.ok(p.metadata.name.startsWith(`hello-${hash}-`));
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs[0].metadata.name, uid: rs[0].metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const d = await json(['get', 'deployment', 'hello']);
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '1');
    assert.deepEqual([d.status.replicas, d.status.updatedReplicas, d.status.readyReplicas, d.status.availableReplicas, d.status.observedGeneration], [3, 3, 3, 3, d.metadata.generation]);
    const cond = Object.fromEntries(d.status.conditions.map((c: { type: string; reason: string }) => [c.type, c.reason]));
    assert.deepEqual(cond, { Available: 'MinimumReplicasAvailable', Progressing: 'NewReplicaSetAvailable' });
    const rsEvents = (await k(['get', 'events', '--field-selector', `involvedObject.name=${rs[0].metadata.name}`])).stdout;
    assert.match(rsEvents, /SuccessfulCreate\s+.*Created pod: hello-/);
  });

  test('apply -f, then scale up and down with kubectl scale', async () => {
    await k(['apply', '-f', 'test/e2e/manifests/app/deployment.yaml']);
    await rollout('web');
    await k(['scale', 'deployment/web', '--replicas=5']);
    await rollout('web');
    assert.equal((await podsOf('web')).length, 5);
    await k(['scale', 'deployment/web', '--replicas=1']);
    await rollout('web');
    await until('1 pod left', async () => (await podsOf('web')).length === 1);
    const out = (await k(['get', 'deployment', 'web'])).stdout;
    assert.match(out, /^web\s+1\/1\s+1\s+1\s+/m);
    assert.equal((await json(['get', 'rs', '-l', 'app=web'])).items.length, 1, 'scaling makes no new ReplicaSet');
  });

  test('set image: a rolling update within maxSurge and maxUnavailable; history, undo and events', async () => {
    const replicas = 4;
    const surge = 1;
    const unavailable = 1;
    await apply(deployment('roll', { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } } }));
    await rollout('roll');

    // Watch every pod change during the update: the bounds must hold at every step.
    const pods = new Map<string, KObject>();
    const violations: string[] = [];
    let events = 0;
    const w = kubelet.client.watch(R.pods, 'default', { labelSelector: 'app=roll' }, (e) => {
      if (e.type === 'BOOKMARK' || e.type === 'ERROR') return;
      events++;
      if (e.type === 'DELETED' || e.object.metadata?.deletionTimestamp) pods.delete(e.object.metadata!.name!);
      else pods.set(e.object.metadata!.name!, e.object);
      const total = pods.size;
      const ready = [...pods.values()].filter(isReady).length;
      if (total > replicas + surge) violations.push(`${total} pods exist (max ${replicas + surge})`);
      // Only once the initial listing is complete does the ready count mean anything.
      if (events > replicas && ready < replicas - unavailable) violations.push(`${ready} ready pods (min ${replicas - unavailable})`);
    });
    try {
      await until('initial pods seen', async () => pods.size === replicas);
      await k(['set', 'image', 'deployment/roll', 'web=registry.local/web:2']);
      await rollout('roll');
      await until('old pods gone', async () => [...pods.values()].every((p) => (p.spec as { containers: { image: string }[] }).containers[0].image === 'registry.local/web:2') && pods.size === replicas);
    } finally {
      w.abort();
      await w.done.catch(() => undefined);
    }
    assert.deepEqual(violations, []);
    assert.ok(events > replicas * 2, 'the watch saw the update');

    const history = (await k(['rollout', 'history', 'deployment/roll'])).stdout;
    assert.match(history, /^1\s+/m);
    assert.match(history, /^2\s+/m);
    const rsList = (await json(['get', 'rs', '-l', 'app=roll'])).items;
    assert.equal(rsList.length, 2);
    const old = rsList.find((r: KObject) => (r.spec as { replicas: number }).replicas === 0);
    assert.ok(old, 'the old ReplicaSet is kept, scaled to 0');

    await k(['rollout', 'undo', 'deployment/roll']);
    await rollout('roll');
    const after = (await json(['get', 'rs', '-l', 'app=roll'])).items;
    assert.equal(after.length, 2, 'undo reuses the old ReplicaSet');
    const back = after.find((r: KObject) => r.metadata!.name === old.metadata.name);
    assert.equal(back.spec.replicas, replicas);
    assert.equal(back.metadata.annotations['deployment.kubernetes.io/revision'], '3');
    assert.equal(await k(['get', 'deployment', 'roll', '-o', 'jsonpath={.spec.template.spec.containers[0].image}']).then((r) => r.stdout), 'registry.local/web:1');

    const described = (await k(['describe', 'deployment', 'roll'])).stdout;
    assert.match(described, /ScalingReplicaSet\s+.*deployment-controller\s+Scaled up replica set roll-\w+ from 0 to 1/);
    assert.match(described, /Scaled down replica set roll-\w+ from \d+ to \d+/);
    assert.match(described, /NewReplicaSet:\s+roll-\w+ \(4\/4 replicas created\)/);
  });

  test('rollout restart makes a new ReplicaSet; pause holds a rollout, resume continues it', async () => {
    await apply(deployment('pause', { replicas: 2 }));
    await rollout('pause');
    await k(['rollout', 'restart', 'deployment/pause']);
    await rollout('pause');
    const restarted = await json(['get', 'deployment', 'pause']);
    assert.ok(restarted.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']);
    assert.equal((await json(['get', 'rs', '-l', 'app=pause'])).items.length, 2);

    await k(['rollout', 'pause', 'deployment/pause']);
    await k(['set', 'image', 'deployment/pause', 'web=registry.local/web:3']);
    await until('paused condition', async () => (await json(['get', 'deployment', 'pause'])).status.conditions.some((c: { type: string; reason: string }) => c.type === 'Progressing' && c.reason === 'DeploymentPaused'));
    // Scaling still works while paused...
    await k(['scale', 'deployment/pause', '--replicas=3']);
    await until('3 pods while paused', async () => (await podsOf('pause')).length === 3 && (await podsOf('pause')).every(isReady));
    // ...but no new template rolls out.
    assert.equal((await json(['get', 'rs', '-l', 'app=pause'])).items.length, 2);
    assert.ok((await podsOf('pause')).every((p: KObject) => (p.spec as { containers: { image: string }[] }).containers[0].image !== 'registry.local/web:3'));
    await k(['rollout', 'resume', 'deployment/pause']);
    await rollout('pause');
    const pods = await podsOf('pause');
    await until('3 new pods', async () => (await podsOf('pause')).filter((p: KObject) => (p.spec as { containers: { image: string }[] }).containers[0].image === 'registry.local/web:3').length === 3);
    assert.ok(pods.length >= 3);
    assert.match((await k(['rollout', 'history', 'deployment/pause'])).stdout, /^3\s+/m);
  });

  test('scaling in the middle of a rollout is proportional between old and new ReplicaSets', async () => {
    await apply(deployment('midway', { replicas: 10 }));
    await rollout('midway');
    // With no node taking new pods, the rollout stops where maxSurge and maxUnavailable let it.
    kubelet.stopNode('node-a');
    kubelet.stopNode('node-b');
    const sizes = async () => {
      const items = (await json(['get', 'rs', '-l', 'app=midway'])).items as { spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } }[];
      const of = (img: string) => items.find((r) => r.spec.template.spec.containers[0].image === img)?.spec.replicas;
      return { old: of('registry.local/web:1'), fresh: of('registry.local/web:2') };
    };
    try {
      await k(['set', 'image', 'deployment/midway', 'web=registry.local/web:2']);
      // 25% of 10: surge 3, unavailable 2 -> old 8, new 5 (13 in all).
      await until('rollout stalls at old 8 / new 5', async () => {
        const s = await sizes();
        return s.old === 8 && s.fresh === 5;
      });
      await k(['scale', 'deployment/midway', '--replicas=20']);
      // 20 + surge 5 = 25, shared in proportion to 8:5 -> 15 and 10.
      await until('proportional sizes', async () => {
        const s = await sizes();
        return s.old === 15 && s.fresh === 10;
      });
    } finally {
      kubelet.startNode('node-a');
      kubelet.startNode('node-b');
    }
    await rollout('midway');
    assert.deepEqual(await sizes(), { old: 0, fresh: 20 });
  });

  test('Recreate strategy removes every old pod before creating new ones', async () => {
    await apply(deployment('recreate', { replicas: 2, strategy: { type: 'Recreate' } }));
    await rollout('recreate');
    const seen: string[] = [];
    const images = new Map<string, string>();
    const w = kubelet.client.watch(R.pods, 'default', { labelSelector: 'app=recreate' }, (e) => {
      if (e.type === 'BOOKMARK' || e.type === 'ERROR') return;
      const name = e.object.metadata!.name!;
      if (e.type === 'DELETED' || e.object.metadata?.deletionTimestamp) images.delete(name);
      else images.set(name, (e.object.spec as { containers: { image: string }[] }).containers[0].image);
      seen.push([...new Set(images.values())].sort().join('+'));
    });
    try {
      await k(['set', 'image', 'deployment/recreate', 'web=registry.local/web:2']);
      await rollout('recreate');
    } finally {
      w.abort();
      await w.done.catch(() => undefined);
    }
    assert.ok(!seen.includes('registry.local/web:1+registry.local/web:2'), 'old and new pods never coexist');
  });

  test('progressDeadlineSeconds: a stuck rollout reports ProgressDeadlineExceeded, then recovers', async () => {
    kubelet.stopNode('node-a');
    kubelet.stopNode('node-b');
    try {
      await apply(deployment('stuck', { replicas: 1, progressDeadlineSeconds: 2 }));
      await until('deadline exceeded', async () => (await json(['get', 'deployment', 'stuck'])).status?.conditions?.some((c: { type: string; reason: string; status: string }) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded' && c.status === 'False'), 20_000);
      const r = await k(['rollout', 'status', 'deployment/stuck', '--timeout=10s'], { allowFail: true });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /exceeded its progress deadline/);
    } finally {
      kubelet.startNode('node-a');
      kubelet.startNode('node-b');
    }
    await until('recovered', async () => (await json(['get', 'deployment', 'stuck'])).status?.conditions?.some((c: { type: string; reason: string }) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable'));
    await rollout('stuck');
  });

  test('delete with --cascade=background, foreground and orphan', async () => {
    for (const name of ['bg', 'fg', 'orph']) {
      await apply(deployment(name, { replicas: 2 }));
      await rollout(name);
    }
    await k(['delete', 'deployment', 'bg', '--cascade=background']);
    await until('bg ReplicaSets and pods collected', async () => (await json(['get', 'rs', '-l', 'app=bg'])).items.length === 0 && (await podsOf('bg')).length === 0);
    await k(['delete', 'deployment', 'fg', '--cascade=foreground']);
    await until('fg deployment gone after its dependents', async () => (await k(['get', 'deployment', 'fg', '--ignore-not-found', '-o', 'name'])).stdout.trim() === '');
    assert.equal((await json(['get', 'rs', '-l', 'app=fg'])).items.length, 0);
    await k(['delete', 'deployment', 'orph', '--cascade=orphan']);
    await until('orphaned ReplicaSet loses its owner', async () => {
      const rs = (await json(['get', 'rs', '-l', 'app=orph'])).items;
      return rs.length === 1 && !rs[0].metadata.ownerReferences;
    });
    assert.equal((await podsOf('orph')).length, 2, 'orphaned pods keep running');
    await k(['delete', 'rs', '-l', 'app=orph']);
  });

  test('pods the API refuses: ReplicaFailure on the ReplicaSet and Deployment, FailedCreate events, recovery', async () => {
    // A blank image is allowed in a template but not in a pod (as in Kubernetes), so every create fails.
    await apply(deployment('broken', { replicas: 2 }, ' '));
    await until('ReplicaFailure on the deployment', async () => (await json(['get', 'deployment', 'broken'])).status?.conditions?.some((c: { type: string; status: string; reason: string }) => c.type === 'ReplicaFailure' && c.status === 'True' && c.reason === 'FailedCreate'));
    const rs = (await json(['get', 'rs', '-l', 'app=broken'])).items[0];
    const failure = rs.status.conditions.find((c: { type: string }) => c.type === 'ReplicaFailure');
    assert.match(failure.message, /spec\.containers\[0\]\.image/);
    const events = (await k(['get', 'events', '--field-selector', `involvedObject.name=${rs.metadata.name},reason=FailedCreate`])).stdout;
    assert.match(events, /Error creating: Pod "broken-\w+-\w+" is invalid/);
    // Retries back off rather than spin: a handful of attempts in a few seconds, not thousands.
    const attempts = (await json(['get', 'events', '--field-selector', `involvedObject.name=${rs.metadata.name},reason=FailedCreate`])).items.length;
    assert.ok(attempts < 40, `${attempts} failed creates`);
    await k(['set', 'image', 'deployment/broken', 'web=registry.local/web:1']);
    await rollout('broken');
    const d = await json(['get', 'deployment', 'broken']);
    assert.ok(!d.status.conditions.some((c: { type: string }) => c.type === 'ReplicaFailure'), 'condition cleared once pods can be created');
  });

  test('a selector that does not match the template is refused with 422', async () => {
    const bad = deployment('mismatch');
    (bad.spec.selector as { matchLabels: Record<string, string> }).matchLabels = { app: 'other' };
    const r = await k(['apply', '-f', '-'], { input: JSON.stringify(bad), allowFail: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /`selector` does not match template `labels`/);
    const raw = await cluster.request('POST', '/apis/apps/v1/namespaces/default/deployments', bad);
    assert.equal(raw.status, 422);
  });

  test('a ReplicaSet adopts matching orphans, releases pods that stop matching, and replaces them', async () => {
    const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'adopt' } }, spec: { containers: [{ name: 'c', image: 'registry.local/x:1' }] } });
    await apply(pod('orphan-1'));
    await apply({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'adopter' }, spec: { replicas: 2, selector: { matchLabels: { app: 'adopt' } }, template: { metadata: { labels: { app: 'adopt' } }, spec: { containers: [{ name: 'c', image: 'registry.local/x:1' }] } } } });
    await until('orphan adopted and one more created', async () => {
      const pods = await podsOf('adopt');
      return pods.length === 2 && pods.every((p: KObject) => p.metadata?.ownerReferences?.[0]?.name === 'adopter');
    });
    assert.ok((await podsOf('adopt')).some((p: KObject) => p.metadata!.name === 'orphan-1'));
    await k(['label', 'pod', 'orphan-1', 'app=elsewhere', '--overwrite']);
    await until('released and replaced', async () => {
      const released = await json(['get', 'pod', 'orphan-1']);
      return !released.metadata.ownerReferences && (await podsOf('adopt')).length === 2;
    });
    await until('status ready', async () => (await json(['get', 'rs', 'adopter'])).status.readyReplicas === 2);
    await k(['delete', 'rs', 'adopter']);
    await k(['delete', 'pod', 'orphan-1', '--grace-period=0']);
  });

  test('every namespace gets a default ServiceAccount, recreated if deleted', async () => {
    await k(['create', 'namespace', 'team-a']);
    await until('default SA in team-a', async () => (await k(['get', 'sa', 'default', '-n', 'team-a', '--ignore-not-found', '-o', 'name'])).stdout.trim() === 'serviceaccount/default');
    await k(['delete', 'sa', 'default', '-n', 'team-a']);
    await until('default SA recreated', async () => (await k(['get', 'sa', 'default', '-n', 'team-a', '--ignore-not-found', '-o', 'name'])).stdout.trim() === 'serviceaccount/default');
    assert.match((await k(['get', 'sa', '-n', 'default'])).stdout, /^default\s+/m);
  });
});
