import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EvictionManager, type EvictablePod } from './manager.js';
import type { StatsSource } from './stats.js';
import { parseEvictionThresholds, parseSoftThresholds, type Observations, type PressureCondition } from './thresholds.js';
import type { Logger } from '../../util/log.js';

const MI = 1024 ** 2;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

function setup(memAvailable: number, pods: EvictablePod[], usage: Record<string, number>, extra: { soft?: string; maxPodGraceSeconds?: number; reclaimDisk?: (machine: { obs: Observations }) => Promise<number>; cleanedUp?: (uid: string) => boolean } = {}) {
  const machine = { obs: { 'memory.available': { available: memAvailable, capacity: 1000 * MI } } as Observations };
  // Disk use by path: "<path>" bytes and "<path>-inodes" files.
  const disk = async (paths: string[]) => ({ bytes: paths.reduce((s, p) => s + (usage[p] ?? 0), 0), inodes: paths.reduce((s, p) => s + (usage[`${p}-inodes`] ?? 0), 0) });
  const stats: StatsSource = { node: async () => machine.obs, containerMemory: async (_uid, id) => usage[id], podProcesses: async (uid) => usage[`${uid}-procs`], diskUsage: disk };
  const evicted: { uid: string; message: string; grace: number }[] = [];
  const pressure: string[][] = [];
  let active = pods;
  const m = new EvictionManager({
    thresholds: [...parseEvictionThresholds('memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,pid.available<1000'), ...(extra.soft ? parseSoftThresholds(extra.soft, 'memory.available=30s', () => 30_000) : [])],
    maxPodGraceSeconds: extra.maxPodGraceSeconds,
    reclaimDisk: extra.reclaimDisk && (() => extra.reclaimDisk!(machine)),
    transitionMs: 30_000,
    stats,
    pods: {
      activePods: () => active,
      evict: (uid, message, grace) => {
        evicted.push({ uid, message, grace });
        active = active.filter((p) => p.uid !== uid);
      },
      cleanedUp: extra.cleanedUp,
    },
    onPressure: (s: Set<PressureCondition>) => pressure.push([...s]),
    log: quiet,
  });
  return { m, machine, evicted, pressure };
}

const be: EvictablePod = { uid: 'be', name: 'd/be', priority: 0, critical: false, containers: [{ name: 'c', id: 'be-c', memoryRequest: 0 }] };
const g: EvictablePod = { uid: 'g', name: 'd/g', priority: 0, critical: false, containers: [{ name: 'c', id: 'g-c', memoryRequest: 64 * MI }] };
const crit: EvictablePod = { uid: 'crit', name: 'kube-system/x', priority: 2_000_001_000, critical: true, containers: [{ name: 'c', id: 'x', memoryRequest: 0 }] };

test('no pressure: conditions reported once, nobody evicted', async () => {
  const { m, evicted, pressure } = setup(500 * MI, [be, g], { 'be-c': MI, 'g-c': MI });
  assert.equal(await m.tick(0), undefined);
  assert.equal(await m.tick(10_000), undefined);
  assert.deepEqual(pressure, [[]]);
  assert.deepEqual(evicted, []);
});

test('memory pressure: one pod per interval, BestEffort first, critical pods never', async () => {
  const { m, machine, evicted, pressure } = setup(50 * MI, [g, crit, be], { 'be-c': 2 * MI, 'g-c': 10 * MI, x: 500 * MI });
  assert.equal(await m.tick(0), 'be');
  assert.deepEqual(pressure, [['MemoryPressure']]);
  assert.equal(evicted[0].message, 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container c was using 2Mi, request is 0, has larger consumption of memory. ');
  assert.equal(await m.tick(10_000), 'g');
  assert.equal(await m.tick(20_000), undefined, 'only the critical pod is left');
  assert.deepEqual(
    evicted.map((e) => e.uid),
    ['be', 'g'],
  );
  // Pressure gone: the condition stays until the transition period has passed without a crossing.
  machine.obs = { 'memory.available': { available: 900 * MI, capacity: 1000 * MI } };
  await m.tick(30_000);
  assert.equal(pressure.length, 1);
  await m.tick(50_001);
  assert.deepEqual(pressure, [['MemoryPressure'], []]);
});

/** A pod with one container whose writable layer is "<uid>-layer" and whose directory is "<uid>-dir". */
const diskPod = (uid: string, priority: number, ephemeralRequest: number): EvictablePod => ({ uid, name: `d/${uid}`, priority, critical: false, containers: [{ name: 'c', id: `${uid}-c`, memoryRequest: 0, ephemeralRequest, writableLayer: `${uid}-layer` }], storagePaths: [`${uid}-dir`] });

test('disk pressure: the pod furthest above its ephemeral-storage request goes, with the kubelet message', async () => {
  const within = diskPod('within', 0, 100 * MI); // uses 90Mi of 100Mi requested
  const over = diskPod('over', 0, 0); // 10Mi in its emptyDir, 5Mi in its layer, nothing requested
  const { m, machine, evicted, pressure } = setup(500 * MI, [within, over], { 'within-dir': 80 * MI, 'within-layer': 10 * MI, 'over-dir': 10 * MI, 'over-layer': 5 * MI });
  machine.obs['nodefs.available'] = { available: 5 * MI, capacity: 100 * MI };
  assert.equal(await m.tick(0), 'over');
  assert.deepEqual(pressure, [['DiskPressure']]);
  assert.equal(evicted[0].message, 'The node was low on resource: ephemeral-storage. Threshold quantity: 10Mi, available: 5Mi. Container c was using 5Mi, request is 0, has larger consumption of ephemeral-storage. ');
  assert.equal(await m.tick(10_000), 'within', 'next interval: the one within its request');
});

test('disk pressure: unused images go first, and no pod is evicted when that was enough', async () => {
  const p = diskPod('p', 0, 0);
  let reclaims = 0;
  // The first reclaim frees 50Mi (past the 10% threshold); later ones find nothing left to remove.
  const reclaimDisk = async (machine: { obs: Observations }) => {
    reclaims++;
    if (reclaims > 1) return 0;
    machine.obs['nodefs.available'] = { available: 55 * MI, capacity: 100 * MI };
    return 50 * MI;
  };
  const { m, machine, evicted, pressure } = setup(500 * MI, [p], { 'p-dir': 10 * MI }, { reclaimDisk });
  machine.obs['nodefs.available'] = { available: 5 * MI, capacity: 100 * MI };
  assert.equal(await m.tick(0), undefined, 'the images were enough');
  assert.equal(evicted.length, 0);
  assert.deepEqual(pressure, [['DiskPressure']], 'the crossing still shows as pressure');
  // Pressure again, and nothing left to reclaim: now a pod goes, with the figures observed after the reclaim.
  machine.obs['nodefs.available'] = { available: 6 * MI, capacity: 100 * MI };
  assert.equal(await m.tick(10_000), 'p');
  assert.equal(reclaims, 2);
  assert.match(evicted[0].message, /Threshold quantity: 10Mi, available: 6Mi\./);
});

test('disk pressure: a failing reclaim still lets the eviction happen', async () => {
  const p = diskPod('p', 0, 0);
  const { m, machine, evicted } = setup(500 * MI, [p], { 'p-dir': 10 * MI }, { reclaimDisk: async () => Promise.reject(new Error('image store broken')) });
  machine.obs['nodefs.available'] = { available: 5 * MI, capacity: 100 * MI };
  assert.equal(await m.tick(0), 'p');
  assert.equal(evicted.length, 1);
});

test("after an eviction the next decision waits for the pod's cleanup, at most 30 s (the kubelet's waitForPodsCleanup)", async () => {
  const cleaned = new Set<string>();
  const { m, evicted } = setup(50 * MI, [be, g], { 'be-c': 2 * MI, 'g-c': 10 * MI }, { cleanedUp: (uid) => cleaned.has(uid) });
  assert.equal(await m.tick(0), 'be');
  assert.equal(await m.tick(10_000), undefined, 'be still tearing down: its memory may be on its way back');
  cleaned.add('be');
  assert.equal(await m.tick(20_000), 'g', 'cleaned up and still short: the next pod');
  // g never finishes its cleanup: the deadline lets decisions resume.
  const { m: m2 } = setup(50 * MI, [be, g], { 'be-c': 2 * MI, 'g-c': 10 * MI }, { cleanedUp: () => false });
  assert.equal(await m2.tick(0), 'be');
  assert.equal(await m2.tick(29_999), undefined);
  assert.equal(await m2.tick(30_000), 'g');
  assert.equal(evicted.length, 2);
});

test('inode pressure: lower priority first, then the pod with the most files', async () => {
  const few = diskPod('few', 0, 0);
  const many = diskPod('many', 0, 0);
  const important = diskPod('important', 1000, 0);
  const { m, machine, evicted } = setup(500 * MI, [few, important, many], { 'few-dir-inodes': 10, 'many-dir-inodes': 5000, 'many-layer-inodes': 10, 'important-dir-inodes': 100000 });
  machine.obs['nodefs.inodesFree'] = { available: 10, capacity: 1000 };
  assert.equal(await m.tick(0), 'many');
  assert.equal(evicted[0].message, 'The node was low on resource: inodes. Threshold quantity: 50, available: 10. ');
});

test('a failing stats source is logged and decides nothing', async () => {
  const warnings: string[] = [];
  const log: Logger = { ...quiet, warn: (msg) => void warnings.push(msg), child: () => log };
  const m = new EvictionManager({
    thresholds: parseEvictionThresholds('memory.available<1Gi'),
    transitionMs: 0,
    stats: {
      node: async () => {
        throw new Error('EIO');
      },
      containerMemory: async () => 0,
      podProcesses: async () => 0,
      diskUsage: async () => undefined,
    },
    pods: { activePods: () => [be], evict: () => assert.fail('evicted') },
    onPressure: () => assert.fail('reported'),
    log,
  });
  assert.equal(await m.tick(0), undefined);
  assert.deepEqual(warnings, ['eviction monitoring failed']);
});

test("PID pressure: the pod with the most processes goes, with the kubelet's message in plain numbers", async () => {
  const { m, machine, evicted, pressure } = setup(500 * MI, [g, be], { 'be-procs': 3, 'g-procs': 900 });
  machine.obs['pid.available'] = { available: 500, capacity: 32768 };
  assert.equal(await m.tick(0), 'g');
  assert.deepEqual(pressure, [['PIDPressure']]);
  assert.equal(evicted[0].message, 'The node was low on resource: pids. Threshold quantity: 1000, available: 500. ');
});

test('memory and PIDs both short: memory decides this interval', async () => {
  const { m, machine, evicted } = setup(50 * MI, [g, be], { 'be-c': MI, 'g-c': MI, 'g-procs': 900, 'be-procs': 1 });
  machine.obs['pid.available'] = { available: 500, capacity: 32768 };
  assert.equal(await m.tick(0), 'be');
  assert.match(evicted[0].message, /low on resource: memory/);
});

test('soft threshold: pressure shows at once, a pod is evicted (with grace) only after the threshold stayed crossed for its grace period', async () => {
  const { m, machine, evicted, pressure } = setup(300 * MI, [g, be], { 'be-c': MI, 'g-c': MI }, { soft: 'memory.available<400Mi', maxPodGraceSeconds: 20 });
  assert.equal(await m.tick(0), undefined);
  assert.deepEqual(pressure, [['MemoryPressure']]);
  assert.equal(await m.tick(20_000), undefined, 'crossed for 20s of 30s');
  // A break in the crossing starts the grace period again.
  machine.obs['memory.available'] = { available: 900 * MI, capacity: 1000 * MI };
  assert.equal(await m.tick(25_000), undefined);
  machine.obs['memory.available'] = { available: 300 * MI, capacity: 1000 * MI };
  assert.equal(await m.tick(30_000), undefined);
  assert.equal(await m.tick(50_000), undefined);
  assert.equal(await m.tick(60_000), 'be');
  assert.equal(evicted[0].grace, 20, 'soft: the pod gets up to --eviction-max-pod-grace-period');
  // A hard crossing evicts at once and without grace, soft thresholds notwithstanding.
  machine.obs['memory.available'] = { available: 50 * MI, capacity: 1000 * MI };
  assert.equal(await m.tick(70_000), 'g');
  assert.equal(evicted[1].grace, 0);
});
