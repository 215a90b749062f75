import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../test/helpers/temp-dirs.js';
import { CgroupV1Reader, detectCgroupReader } from './cgroup-reader.js';
import { StatsCollector } from './collector.js';
import { v1Cgroup, v2Cgroup, writeTree } from './fixtures.test-util.js';
import { buildSummary } from './summary.js';
import type { StatsPodTarget } from './types.js';

const NET = (rx: number, tx: number) => `Inter-| header\n face | header\n    lo: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\n  eth0: ${rx} 10 0 0 0 0 0 0 ${tx} 20 0 0 0 0 0 0\n`;

function machine() {
  const root = tempDir('stats-collector-');
  const cg = join(root, 'cg');
  const proc = join(root, 'proc');
  const data = join(root, 'data');
  writeTree(cg, {
    ...v1Cgroup('/', { cpuNs: 100e9, usage: 900_000, inactiveFile: 100_000, rss: 500_000 }),
    ...v1Cgroup('/gifee', { cpuNs: 4e9, usage: 60_000, inactiveFile: 10_000, rss: 40_000 }),
    ...v1Cgroup('/gifee/podA', { cpuNs: 3e9, usage: 50_000, inactiveFile: 10_000, rss: 30_000 }),
    'pids/gifee/podA/pids.current': '3\n',
    ...v1Cgroup('/gifee/podA/ctr1', { cpuNs: 2e9, usage: 40_000, inactiveFile: 8_000, rss: 25_000, limit: '1048576' }),
  });
  writeTree(proc, { meminfo: 'MemTotal: 1000 kB\nMemFree: 100 kB\n', loadavg: '0 0 0 1/300 9\n', 'sys/kernel/pid_max': '4096\n', 'sys/kernel/threads-max': '9999\n', 'net/dev': NET(1, 2), '4242/net/dev': NET(1000, 2000) });
  writeTree(data, { 'layers/ctr1/file': 'x'.repeat(10_000), 'logs/ctr1/0.log': 'log line\n', 'vol/a': 'y'.repeat(5000), 'images/blob': 'z' });
  const pods: StatsPodTarget[] = [
    {
      uid: 'A',
      namespace: 'ns',
      name: 'web',
      startTime: '2026-01-01T00:00:00Z',
      hostNetwork: false,
      containers: [
        { name: 'app', id: 'ctr1', image: 'busybox', startedAt: '2026-01-01T00:00:01.500Z', pid: 4242, logDir: join(data, 'logs/ctr1'), writableLayer: join(data, 'layers/ctr1') },
        { name: 'gone', id: 'ctr-exited', image: 'busybox', startedAt: '2026-01-01T00:00:01Z' },
      ],
      volumes: [{ name: 'scratch', path: join(data, 'vol') }],
    },
    // A pod whose cgroups have all vanished: no series at all.
    { uid: 'B', namespace: 'ns', name: 'left', hostNetwork: false, containers: [{ name: 'x', id: 'y', image: 'i' }], volumes: [] },
  ];
  const collector = new StatsCollector({ nodeName: 'n1', pods: () => pods, cgroupParent: 'gifee', nodefsPath: data, imagefsPath: join(data, 'images'), cgroups: new CgroupV1Reader(cg), procRoot: proc, cacheMs: 0 });
  return { cg, proc, data, collector, pods };
}

test('one collection: node, pod and container CPU and memory, pod network from a container process, disk use; vanished cgroups skipped', async () => {
  const { collector } = machine();
  const c = await collector.collect();
  assert.equal(c.node.cpuNs, 100e9);
  assert.equal(c.node.memory?.workingSet, 800_000);
  assert.equal(c.node.memory?.total, 1000 * 1024);
  assert.deepEqual(c.node.processes, { current: 300, max: 4096 });
  assert.deepEqual(
    c.node.interfaces.map((i) => i.name),
    ['eth0'],
  );
  assert.equal(c.pods.length, 1, 'the pod whose cgroups are gone is left out');
  const p = c.pods[0];
  assert.equal(p.cgroup, '/gifee/podA');
  assert.equal(p.cg?.workingSet, 40_000);
  assert.deepEqual(
    p.containers.map((x) => x.target.name),
    ['app'],
    'the exited container is left out',
  );
  assert.equal(p.containers[0].cg.workingSet, 32_000);
  assert.equal(p.network?.interfaces[0].rxBytes, 1000);
  assert.ok((p.containers[0].rootfs?.usedBytes ?? 0) >= 10_000);
  assert.ok((p.containers[0].logs?.usedBytes ?? 0) > 0);
  assert.ok((p.volumes[0].fs.usedBytes ?? 0) >= 5000);
  assert.ok((p.ephemeral?.usedBytes ?? 0) >= 15_000);
  assert.equal(p.usageNanoCores, undefined, 'no rate before a second collection');
});

test('rates from the previous collection; a restarted counter gives no rate; cache shares one collection', async () => {
  const { cg, collector, data, pods } = machine();
  await collector.collect(1);
  await new Promise((r) => setTimeout(r, 50));
  writeFileSync(join(cg, 'cpuacct/gifee/podA/cpuacct.usage'), `${3e9 + 1e9}\n`);
  writeFileSync(join(cg, 'cpuacct/gifee/podA/ctr1/cpuacct.usage'), '5\n');
  const c = await collector.collect(2);
  const p = c.pods[0];
  assert.ok(p.usageNanoCores! > 1e9, `1 s of CPU in ~50 ms is many cores: ${p.usageNanoCores}`);
  assert.equal(p.containers[0].usageNanoCores, undefined);

  const cached = new StatsCollector({ nodeName: 'n1', pods: () => pods, cgroupParent: 'gifee', nodefsPath: data, imagefsPath: data, cgroups: new CgroupV1Reader(cg), cacheMs: 5000 });
  const a = cached.collect(1000);
  assert.equal(cached.collect(3000), a, 'within the cache time, the same collection');
  assert.equal(cached.collect(7000), a, 'one still running is shared, not raced');
  await a;
  assert.equal(cached.collect(3000), a);
  const b = cached.collect(7000);
  assert.notEqual(b, a, 'after the cache time, a new collection');
  await b;
});

test('a container cgroup removed between collections disappears from the next one', async () => {
  const { cg, collector } = machine();
  assert.equal((await collector.collect()).pods[0].containers.length, 1);
  rmSync(join(cg, 'cpuacct/gifee/podA/ctr1'), { recursive: true });
  rmSync(join(cg, 'memory/gifee/podA/ctr1'), { recursive: true });
  const c = await collector.collect();
  assert.equal(c.pods[0].containers.length, 0);
});

test('summary: the kubelet Summary shape; only_cpu_and_memory drops the rest', async () => {
  const { collector } = machine();
  await collector.collect();
  const c = await collector.collect();
  const s = JSON.parse(JSON.stringify(buildSummary(c))) as any;
  assert.equal(s.node.nodeName, 'n1');
  assert.equal(s.node.cpu.usageCoreNanoSeconds, 100e9);
  assert.equal(typeof s.node.cpu.usageNanoCores, 'number');
  assert.equal(s.node.memory.workingSetBytes, 800_000);
  assert.equal(s.node.memory.availableBytes, 1024000 - 800_000);
  assert.deepEqual(s.node.rlimit, { time: s.node.rlimit.time, maxpid: 4096, curproc: 300 });
  assert.ok(s.node.fs.capacityBytes > 0);
  const pod = s.pods[0];
  assert.deepEqual(pod.podRef, { name: 'web', namespace: 'ns', uid: 'A' });
  assert.equal(pod.startTime, '2026-01-01T00:00:00Z');
  assert.equal(pod.containers[0].name, 'app');
  assert.equal(pod.containers[0].startTime, '2026-01-01T00:00:01Z');
  assert.equal(pod.containers[0].cpu.usageCoreNanoSeconds, 2e9);
  assert.equal(pod.containers[0].memory.workingSetBytes, 32_000);
  assert.equal(pod.containers[0].memory.rssBytes, 25_000);
  assert.equal(pod.containers[0].memory.availableBytes, 1048576 - 32_000);
  assert.ok(pod.containers[0].rootfs.usedBytes >= 10_000);
  assert.equal(pod.network.name, 'eth0');
  assert.equal(pod.network.rxBytes, 1000);
  assert.equal(pod.network.txBytes, 2000);
  assert.equal(pod.volume[0].name, 'scratch');
  assert.ok(pod['ephemeral-storage'].usedBytes >= 15_000);
  assert.deepEqual(pod.process_stats, { process_count: 3 });
  assert.equal(s.node.systemContainers[0].name, 'pods');
  assert.equal(s.node.systemContainers[0].memory.workingSetBytes, 50_000);
  assert.match(pod.cpu.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const only = JSON.parse(JSON.stringify(buildSummary(c, true))) as any;
  assert.equal(only.pods[0].network, undefined);
  assert.equal(only.pods[0].containers[0].rootfs, undefined);
  assert.equal(only.node.fs, undefined);
  assert.equal(only.pods[0].memory.workingSetBytes, 40_000);
});

test('cgroup v2: pods and containers from the unified tree; the node from the root cpu.stat and /proc/meminfo', async () => {
  const root = tempDir('stats-v2-');
  const cg = join(root, 'cg');
  const proc = join(root, 'proc');
  writeTree(cg, {
    'cgroup.controllers': 'cpu memory pids\n',
    ...v2Cgroup('/', { usageUsec: 7_000_000 }),
    ...v2Cgroup('/gifee', { usageUsec: 3_000_000, current: 80_000, anon: 50_000, file: 30_000, inactiveFile: 20_000 }),
    ...v2Cgroup('/gifee/podA', { usageUsec: 2_000_000, current: 60_000, anon: 40_000, file: 20_000, inactiveFile: 15_000 }),
    ...v2Cgroup('/gifee/podA/ctr1', { usageUsec: 1_500_000, current: 50_000, anon: 35_000, file: 15_000, inactiveFile: 10_000, max: '1048576' }),
    'gifee/podA/pids.current': '2\n',
  });
  writeTree(proc, { meminfo: 'MemTotal: 1000 kB\nMemFree: 200 kB\nInactive(file): 100 kB\nAnonPages: 300 kB\n', loadavg: '0 0 0 1/50 9\n' });
  const pods: StatsPodTarget[] = [{ uid: 'A', namespace: 'ns', name: 'web', hostNetwork: true, containers: [{ name: 'app', id: 'ctr1', image: 'busybox' }], volumes: [] }];
  const c = await new StatsCollector({ nodeName: 'n2', pods: () => pods, cgroupParent: 'gifee', nodefsPath: root, imagefsPath: root, cgroups: detectCgroupReader(cg), procRoot: proc, cacheMs: 0 }).collect();
  assert.equal(c.node.cpuNs, 7e9);
  assert.deepEqual(c.node.memory, { total: 1024000, usage: 800 * 1024, workingSet: 700 * 1024, rss: 300 * 1024 });
  const p = c.pods[0];
  assert.equal(p.cg?.workingSet, 45_000);
  assert.equal(p.containers[0].cg.cpuNs, 1.5e9);
  assert.equal(p.containers[0].cg.workingSet, 40_000);
  assert.equal(p.containers[0].cg.rss, 35_000);
  assert.equal(p.containers[0].cg.memoryLimit, 1048576);
  assert.equal(p.processCount, 2);
  assert.equal(p.network, undefined, 'host network pods have no interfaces of their own');
  assert.equal(c.podsCgroup?.cg.workingSet, 60_000);
});
