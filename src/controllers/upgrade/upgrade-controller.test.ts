// The upgrade controller against a real API server (the server's own controllers off), with Node
// objects whose status this test heartbeats as their agents would: a halt winds the other nodes in
// flight down. Three nodes at concurrency 3: `a` cannot be upgraded (its agent publishes no build)
// and fails at once; `b` is draining, held by a budget the eviction API never lets through; `c` had
// no pods, so it was already switched. The drain of `b` stops and `b` is uncordoned (Cancelled);
// `c` cannot be stopped half-way, so the Upgrade is Halting until `c` finishes (here: never Ready on
// the target, so rolled back and uncordoned), then Halted. The real agents' switch is
// test/e2e/upgrade.test.ts.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type Cluster } from '../../../test/helpers/cluster.js';
import { until } from '../../../test/helpers/wait.js';
import { ANN_AGENT_BUILD, ANN_CORDONED_BY_UPGRADE, ANN_TARGET_BUILD, type Upgrade } from '../../api/kinds/upgrade/index.js';
import { GIFEE_VERSION } from '../../api/version.js';
import { InformerFactory } from '../../client/informer-factory.js';
import { clientConfigFromKubeconfig } from '../../client/kubeconfig.js';
import { R } from '../../client/resources.js';
import { PDB_RESOURCE } from '../disruption/disruption.js';
import { RestClient } from '../../client/rest.js';
import { logger } from '../../util/log.js';
import { UpgradeController } from './upgrade-controller.js';

const OLD = '0.0.1';
let cluster: Cluster;
let client: RestClient;
let controller: UpgradeController | undefined;
let heartbeat: NodeJS.Timeout | undefined;
const log = logger('upgrade-test');

const node = async (name: string) => (await client.get(R.nodes, undefined, name)) as { spec?: { unschedulable?: boolean }; metadata: { annotations?: Record<string, string> } };
const upgrade = async () => (await client.get(R.upgrades, undefined, 'halt')) as Upgrade;

/** What each node's agent would post: Ready now, on the old version. */
async function beat(names: string[]) {
  const now = `${new Date().toISOString().slice(0, 19)}Z`;
  for (const name of names) {
    const status = { nodeInfo: { kubeletVersion: `v1.32.0-gifee.${OLD}` }, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }] };
    await client.patch(R.nodes, undefined, name, { status }, 'merge', 'status');
  }
}

before(async () => {
  cluster = await startCluster({ extraArgs: ['--no-controllers'] });
  client = new RestClient(await clientConfigFromKubeconfig(cluster.kubeconfig));
});

after(async () => {
  clearInterval(heartbeat);
  controller?.stop();
  client?.close();
  await cluster?.stop();
});

test('a halt stops the drains in flight (uncordoned, Cancelled) and lets a switched node finish while Halting, then Halted', async () => {
  const names = ['a', 'b', 'c'];
  for (const name of names) {
    // `a` publishes no build: nothing to roll back to, so the controller refuses it (Failed) at once.
    const annotations: Record<string, string> = name === 'a' ? {} : { [ANN_AGENT_BUILD]: `/opt/gifee-old-${name}` };
    await client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name, annotations } });
  }
  await beat(names);
  heartbeat = setInterval(() => void beat(names).catch(() => undefined), 500);
  // A pod on `b` under a budget no disruption controller ever processes: every eviction is a 429.
  const labels = { app: 'held' };
  await client.create(R.pods, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'held', labels }, spec: { nodeName: 'b', containers: [{ name: 'c', image: 'busybox' }] } });
  // Running and Ready (the eviction API lets a Pending pod go whatever its budget says, as Kubernetes').
  const now = `${new Date().toISOString().slice(0, 19)}Z`;
  await client.patch(R.pods, 'default', 'held', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } }, 'merge', 'status');
  await client.create(PDB_RESOURCE, 'default', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'held' }, spec: { minAvailable: 1, selector: { matchLabels: labels } } });

  controller = new UpgradeController(client, new InformerFactory(client, log), log, { pollMs: 200, settleMs: 500 });
  controller.start();
  await client.create(R.upgrades, undefined, { apiVersion: 'gifee.dev/v1alpha1', kind: 'Upgrade', metadata: { name: 'halt' }, spec: { target: { path: '/opt/gifee-new', version: GIFEE_VERSION }, concurrency: 3, readyTimeoutSeconds: 5 } });

  // While `c` (switched) is still within its ready timeout, the upgrade is Halting, and `b` is already wound down.
  await until('Halting', async () => (await upgrade()).status?.phase === 'Halting', { timeoutMs: 10_000, intervalMs: 100 });
  const halting = await upgrade();
  const entry = (u: Upgrade, name: string) => u.status?.nodes?.find((n) => n.name === name);
  assert.equal(entry(halting, 'a')?.state, 'Failed');
  assert.equal(entry(halting, 'b')?.state, 'Cancelled');
  assert.match(entry(halting, 'b')?.message ?? '', /^upgrade halted \(node a failed: the agent of node a does not publish its build .*\) while this node was draining: drain stopped, node uncordoned, not switched$/);
  assert.equal(entry(halting, 'c')?.state, 'Switching');
  assert.equal(halting.status?.conditions?.find((c) => c.type === 'Halted')?.reason, 'NodeUpgradeFailed');
  const b = await node('b');
  assert.notEqual(b.spec?.unschedulable, true, 'b uncordoned');
  assert.equal(b.metadata.annotations?.[ANN_CORDONED_BY_UPGRADE], undefined);
  assert.equal(b.metadata.annotations?.[ANN_TARGET_BUILD], undefined, 'b never switched');
  const held = (await client.get(R.pods, 'default', 'held')) as { metadata: { deletionTimestamp?: string } };
  assert.equal(held.metadata.deletionTimestamp, undefined, 'the held pod was not evicted');
  assert.equal((await node('c')).spec?.unschedulable, true, 'c stays cordoned while it finishes');

  // `c` never reports the target: rolled back to its build after the ready timeout, uncordoned; then Halted.
  await until('Halted', async () => (await upgrade()).status?.phase === 'Halted', { timeoutMs: 20_000, intervalMs: 200 });
  const halted = await upgrade();
  assert.equal(entry(halted, 'c')?.state, 'Failed');
  assert.match(entry(halted, 'c')?.message ?? '', /rolled back to 0\.0\.1$/);
  const c = await node('c');
  assert.notEqual(c.spec?.unschedulable, true, 'c uncordoned after its rollback');
  assert.equal(c.metadata.annotations?.[ANN_TARGET_BUILD], '/opt/gifee-old-c');
  assert.equal(entry(halted, 'b')?.state, 'Cancelled', 'b is not picked up again');

  const events = (await client.list(R.events, 'default', { fieldSelector: 'involvedObject.name=halt' })).items as { reason?: string; message?: string }[];
  assert.ok(
    events.some((e) => e.reason === 'DrainCancelled' && /^node b: upgrade halted/.test(e.message ?? '')),
    JSON.stringify(events),
  );
});
