// Self-driving node upgrades (docs/upgrades.md) with a real server and a real `gifee agent` (runc,
// on loopback): `gifee upgrade plan --to BUILD` moves the agent onto a copy of this build with a
// bumped patch version — the node is drained through the eviction API (a bare pod goes), the agent
// re-runs from the new build, a DaemonSet pod's container survives untouched, the node reports the
// new version and is uncordoned. Then a target whose agent exits at start: the node goes back to
// the previous build and the Upgrade halts with a condition saying why. Last, a drain timeout: a pod
// whose PodDisruptionBudget never allows an eviction (minAvailable = replicas) holds the drain past
// spec.drain.timeout; the drain stops, the node is uncordoned and left on its build, and the
// Upgrade halts (reason DrainTimeout, the pod and the budget named) with a Warning Event. Last, an
// image target: the build in an OCI image pushed to a registry (Debian's docker-registry on
// loopback), pulled by the agent, unpacked into its data dir and switched to.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Cluster, cliCommand, repoRoot, startCluster } from '../helpers/cluster.js';
import { copyGifeeBuild } from '../helpers/gifee-builds.js';
import { startTestRegistry, testImages, writeOciLayout } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';
import { startJoinedAgent, type JoinedAgent } from '../helpers/joined-agent.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, mounts, network namespaces)' : false;

let c: Cluster;
let agentDir: string;
let buildsDir: string;
let agent: JoinedAgent | undefined;
const agentLog = () => agent?.log() ?? '';
const bridge = `gfu${Math.floor(Math.random() * 0xffff).toString(16)}`;
const NODE = 'upgrade-node';

const until = (what: string, fn: () => Promise<boolean>, ms = 90_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 500, context: () => `agent log:\n${agentLog().slice(-4000)}` });

function runCli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...cliCommand(), ...args], { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: String(stdout) + String(stderr) });
    });
  });
}

/** A copy of this build at `version` in the builds dir (test/helpers/gifee-builds.ts). */
const copyBuild = (name: string, version: string, failing = false) => copyGifeeBuild(join(buildsDir, name), version, { failing });

const jp = async (what: string[], path: string) => (await c.kubectl(['get', ...what, '-o', `jsonpath=${path}`])).stdout;

before(async () => {
  if (skip) return;
  const images = await testImages();
  c = await startCluster({ extraArgs: ['--cluster-cidr', `10.${200 + Math.floor(Math.random() * 50)}.0.0/16`] });
  agentDir = await mkdtemp(join(tmpdir(), 'gifee-upgrade-agent-'));
  buildsDir = await mkdtemp(join(tmpdir(), 'gifee-upgrade-builds-'));
  const imp = await runCli(['images', 'import', '--data-dir', agentDir, images.busybox]);
  assert.equal(imp.code, 0, imp.out);
  agent = startJoinedAgent({ server: c.url, tokenFile: join(c.dataDir, 'node-token'), dataDir: agentDir, nodeName: NODE, bridge });
});

after(async () => {
  try {
    // After a switch the agent is a thin parent and the new build its child: the whole group goes.
    await agent?.stop({ group: true });
    if (process.env.GIFEE_UPGRADE_E2E_LOG) await writeFile(process.env.GIFEE_UPGRADE_E2E_LOG, agentLog());
    if (agentDir) {
      const { resetNode } = await import('../../src/agent/reset.js');
      await resetNode(agentDir, bridge);
      await rm(agentDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    }
    if (buildsDir) await rm(buildsDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  } finally {
    if (c) await c.stop();
  }
});

test('upgrade plan moves the agent to a new build: drained, switched, Ready on the new version, uncordoned; a DaemonSet container survives', { skip }, async () => {
  await until('node Ready', async () => (await jp(['node', NODE], '{.status.conditions[?(@.type=="Ready")].status}')) === 'True');
  const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'keeper' }, spec: { selector: { matchLabels: { app: 'keeper' } }, template: { metadata: { labels: { app: 'keeper' } }, spec: { containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'] }] } } } };
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(ds) });
  await c.kubectl(['run', 'bare', '--image=gifee.local/busybox:1', '--', 'sleep', '3600']);
  await until('pods Running', async () => (await jp(['pods', '-l', 'app=keeper'], '{.items[0].status.phase}')) === 'Running' && (await jp(['pod', 'bare'], '{.status.phase}')) === 'Running');
  const keeper = await jp(['pods', '-l', 'app=keeper'], '{.items[0].metadata.name}');
  const containerID = await jp(['pod', keeper], '{.status.containerStatuses[0].containerID}');
  assert.match(containerID, /./);

  const build = await copyBuild('gifee-next', '0.1.1');
  const plan = await runCli(['upgrade', 'plan', '--data-dir', c.dataDir, '--to', build, '--ready-timeout', '90s']);
  assert.equal(plan.code, 0, plan.out);
  assert.match(plan.out, /upgrade upgrade-0\.1\.1 created/);
  await until('Upgrade Complete', async () => (await jp(['upgrades', 'upgrade-0.1.1'], '{.status.phase}')) === 'Complete', 120_000);
  assert.match(await jp(['node', NODE], '{.status.nodeInfo.kubeletVersion}'), /-gifee\.0\.1\.1$/);
  // The new agent publishes its build once its node watch is up (just after it registered).
  await until('the new build published', async () => (await jp(['node', NODE], '{.metadata.annotations.upgrade\\.gifee\\.dev/agent-build}')) === build);
  assert.notEqual(await jp(['node', NODE], '{.spec.unschedulable}'), 'true', 'uncordoned');
  // Drained through the eviction API: the bare pod went; the DaemonSet's stayed, its container untouched.
  assert.equal((await c.kubectl(['get', 'pod', 'bare'], { allowFail: true })).code !== 0, true, 'the bare pod was evicted');
  assert.equal(await jp(['pod', keeper], '{.status.containerStatuses[0].containerID}'), containerID);
  assert.equal(await jp(['pod', keeper], '{.status.containerStatuses[0].restartCount}'), '0');
  const status = await runCli(['upgrade', 'status', '--data-dir', c.dataDir]);
  assert.match(status.out, new RegExp(`upgrade-0\\.1\\.1 +0\\.1\\.1 .*Complete\\n +${NODE} +Done +from 0\\.1\\.0`));
});

test('a target whose agent exits at start: the node rolls back to the previous build and the Upgrade halts with the reason', { skip }, async () => {
  const broken = await copyBuild('gifee-broken', '0.1.2', true);
  const plan = await runCli(['upgrade', 'plan', '--data-dir', c.dataDir, '--to', broken, '--ready-timeout', '10s']);
  assert.equal(plan.code, 0, plan.out);
  await until('Upgrade Halted', async () => (await jp(['upgrades', 'upgrade-0.1.2'], '{.status.phase}')) === 'Halted', 120_000);
  const cond = JSON.parse(await jp(['upgrades', 'upgrade-0.1.2'], '{.status.conditions[?(@.type=="Halted")]}'));
  assert.equal(cond.reason, 'NodeUpgradeFailed');
  assert.match(cond.message, new RegExp(`node ${NODE} failed: not Ready on 0\\.1\\.2 within 10s; rolled back to 0\\.1\\.1`));
  assert.match(await jp(['node', NODE], '{.status.nodeInfo.kubeletVersion}'), /-gifee\.0\.1\.1$/);
  assert.equal(await jp(['node', NODE], '{.status.conditions[?(@.type=="Ready")].status}'), 'True');
  assert.notEqual(await jp(['node', NODE], '{.spec.unschedulable}'), 'true', 'the rolled-back node is uncordoned');
  assert.match(agentLog(), /exited on its own/);
});

test('a drain timeout: a budget that never allows stops the drain; the node is uncordoned as it was, the Upgrade halts with DrainTimeout and an Event', { skip }, async () => {
  // A bad timeout is refused by the API server, naming the field (422, as Kubernetes' Status).
  for (const [timeout, why] of [
    ['-5s', 'must not be negative'],
    ['soon', 'must be a duration like 30s, 5m or 1h30m'],
  ]) {
    const bad = { apiVersion: 'gifee.dev/v1alpha1', kind: 'Upgrade', metadata: { name: 'bad-drain' }, spec: { target: { path: '/opt/gifee', version: '0.1.9' }, drain: { timeout } } };
    const r = await c.kubectl(['create', '-f', '-'], { input: JSON.stringify(bad), allowFail: true });
    assert.notEqual(r.code, 0);
    // kubectl's wording of a 422 Status with reason Invalid and the field's cause.
    assert.match(r.stderr, new RegExp(`Upgrade "bad-drain" is invalid: spec\\.drain\\.timeout: Invalid value: "${timeout}": ${why}`), r.stderr);
  }

  await until('node Ready', async () => (await jp(['node', NODE], '{.status.conditions[?(@.type=="Ready")].status}')) === 'True');
  assert.notEqual(await jp(['node', NODE], '{.spec.unschedulable}'), 'true');
  const labels = { app: 'held' };
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'held' },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { nodeSelector: { 'kubernetes.io/hostname': NODE }, containers: [{ name: 'c', image: 'gifee.local/busybox:1', command: ['sleep', '3600'] }] } } },
  };
  const pdb = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'held-pdb' }, spec: { minAvailable: 1, selector: { matchLabels: labels } } };
  await c.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [deploy, pdb] }) });
  await until('the held pod Running', async () => (await jp(['pods', '-l', 'app=held'], '{.items[*].status.phase}')) === 'Running');
  // The budget counted the pod: it allows no disruption (minAvailable = replicas).
  await until('the budget observed', async () => (await jp(['pdb', 'held-pdb'], '{.status.currentHealthy}/{.status.disruptionsAllowed}')) === '1/0');
  const pod = await jp(['pods', '-l', 'app=held'], '{.items[0].metadata.name}');
  const targetBefore = await jp(['node', NODE], '{.metadata.annotations.upgrade\\.gifee\\.dev/target-version}');
  const versionBefore = await jp(['node', NODE], '{.status.nodeInfo.kubeletVersion}');

  const build = await copyBuild('gifee-held', '0.1.3');
  const started = Date.now();
  const plan = await runCli(['upgrade', 'plan', '--data-dir', c.dataDir, '--to', build, '--name', 'held', '--drain-timeout', '3s']);
  assert.equal(plan.code, 0, plan.out);
  assert.equal(await jp(['upgrades', 'held'], '{.spec.drain.timeout}'), '3s');
  await until('Upgrade Halted', async () => (await jp(['upgrades', 'held'], '{.status.phase}')) === 'Halted', 60_000);
  // Not before its time: the drain ran for the timeout (counted from the second it started).
  assert.ok(Date.now() - started >= 2000, `halted after ${Date.now() - started} ms`);
  const cond = JSON.parse(await jp(['upgrades', 'held'], '{.status.conditions[?(@.type=="Halted")]}'));
  assert.equal(cond.reason, 'DrainTimeout');
  assert.match(cond.message, new RegExp(`^node ${NODE} failed: drain did not finish within 3s: 1 pod\\(s\\) still on the node: default/${pod} \\(The disruption budget held-pdb needs 1 healthy pods and has 1 currently\\); drain stopped, node uncordoned$`));
  const node = JSON.parse(await jp(['upgrades', 'held'], `{.status.nodes[?(@.name=="${NODE}")]}`));
  assert.deepEqual([node.state, node.reason], ['Failed', 'DrainTimeout']);

  // The node as it was: schedulable, the upgrade's cordon mark gone, never switched.
  assert.notEqual(await jp(['node', NODE], '{.spec.unschedulable}'), 'true', 'uncordoned');
  assert.equal(await jp(['node', NODE], '{.metadata.annotations.upgrade\\.gifee\\.dev/cordoned}'), '');
  assert.equal(await jp(['node', NODE], '{.metadata.annotations.upgrade\\.gifee\\.dev/target-version}'), targetBefore);
  assert.equal(await jp(['node', NODE], '{.status.nodeInfo.kubeletVersion}'), versionBefore);
  // The pod the budget protects was never evicted.
  assert.equal(await jp(['pod', pod], '{.status.phase}'), 'Running');
  assert.equal(await jp(['pod', pod], '{.metadata.deletionTimestamp}'), '');

  // A Warning Event on the Upgrade (cluster-scoped: its Events live in default).
  type CoreEvent = { reason?: string; type?: string; message?: string; source?: { component?: string }; involvedObject?: { kind?: string; name?: string } };
  let event: CoreEvent | undefined;
  await until('the DrainTimeout Event', async () => {
    const items = JSON.parse((await c.kubectl(['get', 'events', '-n', 'default', '-o', 'json'])).stdout).items as CoreEvent[];
    event = items.find((e) => e.reason === 'DrainTimeout' && e.involvedObject?.kind === 'Upgrade' && e.involvedObject?.name === 'held');
    return !!event;
  });
  assert.equal(event?.type, 'Warning');
  assert.equal(event?.source?.component, 'upgrade-controller');
  assert.match(event?.message ?? '', new RegExp(`^node ${NODE}: drain did not finish within 3s: .*default/${pod} \\(The disruption budget held-pdb`));

  const status = await runCli(['upgrade', 'status', '--data-dir', c.dataDir]);
  assert.match(status.out, new RegExp(`held +0\\.1\\.3 .*Halted: node ${NODE} failed: drain did not finish within 3s`));
  await c.kubectl(['delete', 'deployment/held', 'pdb/held-pdb', 'upgrade/held']);
});

test('an image target: the agent pulls the build from a registry, unpacks it into its data dir and switches to it', { skip }, async () => {
  await until('node Ready', async () => (await jp(['node', NODE], '{.status.conditions[?(@.type=="Ready")].status}')) === 'True');
  // The image holds the build under /gifee (its node_modules a link to this checkout's, as copyBuild's).
  await copyBuild(join('image-root', 'gifee'), '0.1.4');
  const layout = await writeOciLayout(join(buildsDir, 'image-layout'), 'gifee.local/gifee:0.1.4', [join(buildsDir, 'image-root')]);
  const registry = await startTestRegistry();
  try {
    await registry.push(`oci:${layout}`, 'gifee:0.1.4');
    const ref = `${registry.host}/gifee:0.1.4`;
    const plan = await runCli(['upgrade', 'plan', '--data-dir', c.dataDir, '--to-image', ref, '--version', '0.1.4', '--ready-timeout', '90s']);
    assert.equal(plan.code, 0, plan.out);
    assert.equal(await jp(['upgrades', 'upgrade-0.1.4'], '{.spec.target.image}'), ref);
    await until('Upgrade Complete', async () => (await jp(['upgrades', 'upgrade-0.1.4'], '{.status.phase}')) === 'Complete', 180_000);
    assert.match(await jp(['node', NODE], '{.status.nodeInfo.kubeletVersion}'), /-gifee\.0\.1\.4$/);
    // The agent runs the build it unpacked into its data dir, and says so on its Node.
    let published = '';
    await until('the unpacked build published', async () => {
      published = await jp(['node', NODE], '{.metadata.annotations.upgrade\\.gifee\\.dev/agent-build}');
      return published.startsWith(join(agentDir, 'upgrade-builds'));
    });
    assert.match(published, /\/upgrade-builds\/[0-9a-f]{64}\/gifee$/);
    assert.equal(JSON.parse(await readFile(join(published, 'package.json'), 'utf8')).version, '0.1.4');
    assert.equal(await jp(['node', NODE], '{.metadata.annotations.upgrade\\.gifee\\.dev/target-build}'), '', 'an image target replaces the path target');
    assert.notEqual(await jp(['node', NODE], '{.spec.unschedulable}'), 'true', 'uncordoned');
    assert.match(agentLog(), /upgrade image unpacked/);
    const status = await runCli(['upgrade', 'status', '--data-dir', c.dataDir]);
    assert.match(status.out, new RegExp(`upgrade-0\\.1\\.4 +0\\.1\\.4 \\(${ref.replace(/\./g, '\\.')}\\) +Complete`));
  } finally {
    await registry.stop();
  }
});
