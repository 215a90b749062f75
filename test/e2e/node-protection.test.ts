// The node protecting itself, checked on the real machine with a real `gifee server` and its agent:
// OOM scores of the server and of real container processes by QoS class, the pod PID limit
// stopping a fork loop while the node carries on, pressure conditions computed from the machine,
// files at rest, and (in a second cluster with a memory threshold above what the machine can ever
// have free, so the pressure is real without exhausting memory) the kubelet's eviction order with
// its status, message, event and taint.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { importImages, testImages } from '../helpers/images.js';
import { until as waitUntil } from '../helpers/wait.js';

const skip = process.getuid?.() !== 0 || process.platform !== 'linux' ? 'the node agent needs Linux and root (runc, cgroups, /proc of other processes)' : false;
const POD_MAX_PIDS = 32;

let c: Cluster;
let nodeName = '';

async function importBusybox(cluster: Cluster) {
  const images = await testImages();
  await importImages(cluster.dataDir, [images.busybox]);
}

const kubectl = (cluster: Cluster) => (args: string[], o?: { input?: string; allowFail?: boolean }) => cluster.kubectl(args, o);
const k = (args: string[], o?: { input?: string; allowFail?: boolean }) => kubectl(c)(args, o);
const jp = async (cluster: Cluster, what: string, path: string) => (await cluster.kubectl(['get', ...what.split(' '), '-o', `jsonpath=${path}`], { allowFail: true })).stdout;
const until = (cluster: Cluster, what: string, fn: () => Promise<boolean>, ms = 90_000) =>
  waitUntil(what, fn, {
    timeoutMs: ms,
    intervalMs: 250,
    context: async () =>
      `${(await cluster.kubectl(['get', 'pods', '-o', 'wide'], { allowFail: true })).stdout}\n${cluster
        .logs()
        .split('\n')
        .filter((l) => /evict|pressure|warn|error/i.test(l))
        .slice(-30)
        .join('\n')}`,
  });

const pod = (name: string, resources: Record<string, unknown> | undefined, command: string[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'gifee.local/busybox:1', command, ...(resources ? { resources } : {}) }], ...extra },
  });

const mode = (p: string) => statSync(p).mode & 0o777;

before(async () => {
  if (skip) return;
  c = await startCluster({ agent: true, extraArgs: ['--pod-max-pids', String(POD_MAX_PIDS)] });
  await importBusybox(c);
  await until(c, 'node Ready', async () => (await jp(c, 'nodes', '{.items[0].status.conditions[?(@.type=="Ready")].status}{.items[0].spec.podCIDR}')).startsWith('True10.'));
  nodeName = await jp(c, 'nodes', '{.items[0].metadata.name}');
});

after(async () => {
  if (c) await c.stop();
});

test("the control plane protects itself from the OOM killer; containers get the kubelet's score for their QoS class", { skip }, async () => {
  // Lowering a score needs CAP_SYS_RESOURCE; some sandboxes drop it even for root. Then the server
  // says so, and containers are clamped at its own score instead of failing to start.
  const mayLower = ((BigInt(`0x${/^CapEff:\s*(\w+)/m.exec(readFileSync(`/proc/${c.pid}/status`, 'utf8'))![1]}`) >> 24n) & 1n) === 1n;
  const floor = mayLower ? -1000 : Number(readFileSync(`/proc/${c.pid}/oom_score_adj`, 'utf8'));
  if (mayLower) assert.equal(readFileSync(`/proc/${c.pid}/oom_score_adj`, 'utf8').trim(), '-999');
  else {
    assert.match(c.logs(), /cannot set this process's oom_score_adj to -999/);
    assert.match(c.logs(), /no CAP_SYS_RESOURCE: containers' oom_score_adj cannot go below/);
  }
  const sleep = ['sleep', '3600'];
  await k(['apply', '-f', '-'], { input: pod('besteffort', undefined, sleep) });
  await k(['apply', '-f', '-'], { input: pod('guaranteed', { requests: { cpu: '100m', memory: '32Mi' }, limits: { cpu: '100m', memory: '32Mi' } }, sleep) });
  await k(['apply', '-f', '-'], { input: pod('burstable', { requests: { memory: '1Gi' } }, sleep) });
  for (const p of ['besteffort', 'guaranteed', 'burstable']) await until(c, `${p} Running`, async () => (await jp(c, `pod ${p}`, '{.status.phase}')) === 'Running');
  const capacity = Number((await jp(c, `node ${nodeName}`, '{.status.capacity.memory}')).replace(/Ki$/, '')) * 1024;
  const burstable = Math.min(999, Math.max(3, 1000 - Math.floor((1000 * 1024 ** 3) / capacity)));
  // /proc/1 inside the container is the container's own first process, started by runc from the spec.
  const score = async (p: string) => (await k(['exec', p, '--', 'cat', '/proc/1/oom_score_adj'])).stdout.trim();
  assert.equal(await score('besteffort'), '1000');
  assert.equal(await score('guaranteed'), String(Math.max(floor, -997)));
  assert.equal(await score('burstable'), String(Math.max(floor, burstable)));
  await k(['delete', 'pod', 'besteffort', 'guaranteed', 'burstable', '--wait=false']);
});

test('a pod that forks past --pod-max-pids fails to fork; the node carries on', { skip }, async () => {
  // The inner shell forks sleeps until the kernel refuses; the outer one reports with builtins only
  // (read, echo) and then execs: it needs no fork of its own once the pod is full.
  const bomb = 'sh -c "i=0; while [ \\$i -lt 200 ]; do sleep 1000 & i=\\$((i+1)); done" 2>/tmp/err; read -r e < /tmp/err; echo "bomb stopped: $e"; exec sleep 3600';
  await k(['apply', '-f', '-'], { input: pod('forker', undefined, ['sh', '-c', bomb], { restartPolicy: 'Never' }) });
  await until(c, 'the fork loop refused', async () => (await k(['logs', 'forker'], { allowFail: true })).stdout.includes('bomb stopped'));
  assert.match((await k(['logs', 'forker'])).stdout, /bomb stopped: .*can't fork/i);
  const uid = await jp(c, 'pod forker', '{.metadata.uid}');
  const cg = `/sys/fs/cgroup/pids/gifee/pod${uid}`;
  assert.equal(readFileSync(join(cg, 'pids.max'), 'utf8').trim(), String(POD_MAX_PIDS));
  assert.ok(Number(readFileSync(join(cg, 'pids.current'), 'utf8')) <= POD_MAX_PIDS);
  assert.equal(await jp(c, 'pod forker', '{.status.phase}'), 'Running');
  // The node is fine: a new pod starts, exec works, the node stays Ready.
  await k(['run', 'after', '--image=gifee.local/busybox:1', '--', 'sleep', '3600']);
  await until(c, 'after Running', async () => (await jp(c, 'pod after', '{.status.phase}')) === 'Running');
  assert.equal((await k(['exec', 'after', '--', 'echo', 'fine'])).stdout.trim(), 'fine');
  assert.equal(await jp(c, `node ${nodeName}`, '{.status.conditions[?(@.type=="Ready")].status}'), 'True');
  await k(['delete', 'pod', 'forker', 'after', '--wait=false']);
});

test("pressure conditions come from the real machine: none on this one, with the kubelet's reasons", { skip }, async () => {
  const node = JSON.parse((await k(['get', 'node', nodeName, '-o', 'json'])).stdout);
  const cond = (t: string) => node.status.conditions.find((x: { type: string }) => x.type === t);
  assert.deepEqual([cond('MemoryPressure').status, cond('MemoryPressure').reason, cond('MemoryPressure').message], ['False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available']);
  assert.deepEqual([cond('DiskPressure').status, cond('DiskPressure').reason], ['False', 'KubeletHasNoDiskPressure']);
  assert.deepEqual([cond('PIDPressure').status, cond('PIDPressure').reason], ['False', 'KubeletHasSufficientPID']);
  assert.ok(!(node.spec.taints ?? []).some((t: { key: string }) => /pressure/.test(t.key)), JSON.stringify(node.spec.taints));
});

test('files at rest: data dir 0700, store, keys and tokens 0600, fixed on start when found open', { skip }, async () => {
  const secret = ['state.db', 'state.db-wal', 'state.db-shm', 'node-token', 'pki/node-token', 'pki/ca.key', 'pki/admin.key', 'pki/server.key'];
  const check = () => {
    assert.equal(mode(c.dataDir), 0o700);
    for (const f of secret) if (existsSync(join(c.dataDir, f))) assert.equal(mode(join(c.dataDir, f)), 0o600, f);
    assert.ok(existsSync(join(c.dataDir, 'state.db')) && existsSync(join(c.dataDir, 'pki', 'ca.key')));
  };
  check();
  // As a careless installer or a restored backup would leave it.
  chmodSync(c.dataDir, 0o755);
  chmodSync(join(c.dataDir, 'state.db'), 0o644);
  chmodSync(join(c.dataDir, 'pki', 'ca.key'), 0o644);
  await c.restart();
  check();
  assert.match(c.logs(), /"level":"warn"[^\n]*the data dir was accessible to other users[^\n]*"mode":"0755"/);
});

test('memory pressure: MemoryPressure and its taint, BestEffort refused or evicted before the Guaranteed pod', { skip }, async () => {
  // A threshold of all the machine's memory: available memory is always below it, nothing is consumed.
  const totalKi = /MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))![1];
  const e = await startCluster({ agent: true, extraArgs: ['--eviction-hard', `memory.available<${totalKi}Ki`] });
  try {
    await importBusybox(e);
    const node = await jp(e, 'nodes', '{.items[0].metadata.name}');
    await until(e, 'MemoryPressure True', async () => (await jp(e, `node ${node}`, '{.status.conditions[?(@.type=="MemoryPressure")].status}')) === 'True');
    assert.equal(await jp(e, `node ${node}`, '{.status.conditions[?(@.type=="MemoryPressure")].reason}'), 'KubeletHasInsufficientMemory');
    await until(e, 'memory-pressure taint', async () => (await jp(e, `node ${node}`, '{.spec.taints[*].key}')).includes('node.kubernetes.io/memory-pressure'));
    assert.match(await jp(e, `node ${node}`, '{.spec.taints[?(@.key=="node.kubernetes.io/memory-pressure")].effect}'), /^NoSchedule$/);
    // Placed on the node directly: the taint keeps the scheduler away, as it should.
    const sleep = ['sleep', '3600'];
    const tolerate = { tolerations: [{ key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' }] };
    const items = [pod('guaranteed', { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '100m', memory: '64Mi' } }, sleep, { nodeName: node }), pod('besteffort', undefined, sleep, { nodeName: node, ...tolerate }), pod('refused', undefined, sleep, { nodeName: node })].map((p) => JSON.parse(p));
    // All in one request: the agent learns of them together, so the ranking alone decides.
    await e.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
    // A BestEffort pod that does not tolerate the pressure is not even started.
    await until(e, 'refused at admission', async () => (await jp(e, 'pod refused', '{.status.phase}/{.status.reason}')) === 'Failed/Evicted');
    assert.equal(await jp(e, 'pod refused', '{.status.message}'), 'The node had condition: [MemoryPressure]. ');
    await until(e, 'besteffort evicted', async () => (await jp(e, 'pod besteffort', '{.status.phase}/{.status.reason}')) === 'Failed/Evicted');
    assert.match(await jp(e, 'pod besteffort', '{.status.message}'), /^The node was low on resource: memory\. Threshold quantity: \d+(Ki|Mi|Gi)?, available: \d+(Ki|Mi|Gi)?\. /);
    assert.equal(await jp(e, 'pod besteffort', '{.status.conditions[?(@.type=="DisruptionTarget")].reason}'), 'TerminationByKubelet');
    // The first pod the eviction manager chose was the BestEffort one.
    const evictions = e
      .logs()
      .split('\n')
      .filter((l) => l.includes('"msg":"evicting pod"') && l.includes('"part":"eviction"'))
      .map((l) => JSON.parse(l).pod as string);
    assert.equal(evictions[0], 'default/besteffort', evictions.join(', '));
    const events = JSON.parse((await e.kubectl(['get', 'events', '-o', 'json'])).stdout).items as { reason: string; type: string; involvedObject: { name: string }; message: string }[];
    const evicted = events.find((x) => x.reason === 'Evicted' && x.involvedObject.name === 'besteffort');
    assert.ok(evicted, JSON.stringify(events.map((x) => x.reason)));
    assert.equal(evicted.type, 'Warning');
    assert.match(evicted.message, /^The node was low on resource: memory\./);
    assert.ok(
      events.some((x) => x.reason === 'NodeHasInsufficientMemory' && x.involvedObject.name === node),
      'node event on the condition change',
    );
    // Killed, not restarted: the container is terminated and stays so.
    assert.ok(await jp(e, 'pod besteffort', '{.status.containerStatuses[0].state.terminated.exitCode}'));
  } finally {
    await e.stop();
  }
});

test('disk and PID pressure from real statfs and /proc: conditions, taints, every new pod refused', { skip }, async () => {
  // All of the disk and more PIDs than the kernel has: both thresholds are crossed by the machine's own numbers.
  const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  const e = await startCluster({ agent: true, extraArgs: ['--eviction-hard', `nodefs.available<100%,pid.available<${pidMax + 1}`] });
  try {
    const node = await jp(e, 'nodes', '{.items[0].metadata.name}');
    await until(e, 'disk and pid pressure taints', async () => /disk-pressure.*pid-pressure|pid-pressure.*disk-pressure/.test(await jp(e, `node ${node}`, '{.spec.taints[*].key}')));
    const conds = JSON.parse((await e.kubectl(['get', 'node', node, '-o', 'json'])).stdout).status.conditions as { type: string; status: string; reason: string }[];
    assert.deepEqual(
      ['MemoryPressure', 'DiskPressure', 'PIDPressure'].map((t) => conds.find((x) => x.type === t)).map((x) => `${x!.type}=${x!.status}/${x!.reason}`),
      ['MemoryPressure=False/KubeletHasSufficientMemory', 'DiskPressure=True/KubeletHasDiskPressure', 'PIDPressure=True/KubeletHasInsufficientPID'],
    );
    await e.kubectl(['apply', '-f', '-'], { input: pod('burstable', { requests: { memory: '16Mi' } }, ['sleep', '3600'], { nodeName: node }) });
    await until(e, 'refused at admission', async () => (await jp(e, 'pod burstable', '{.status.phase}/{.status.reason}')) === 'Failed/Evicted');
    assert.equal(await jp(e, 'pod burstable', '{.status.message}'), 'The node had condition: [DiskPressure PIDPressure]. ');
  } finally {
    await e.stop();
  }
});
