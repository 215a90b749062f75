// The node agent's cost of collecting container statistics at 110 pods on one node (the kubelet's
// default max-pods), as a fraction of one core at metrics-server's 15 s scrape interval, against
// the goal of 2%. The node is simulated with real cgroups: a parent cgroup of the benchmark's own
// (never the agent's "gifee"), 110 pod cgroups each with one container cgroup holding a sleeping
// process, and a writable layer, log directory and emptyDir of a few files per pod, all removed at
// the end. One interval's cost is a collection without disk walks (cgroups, /proc, statfs) plus a
// quarter of the disk walks (they run once a minute); the rendering of all three endpoints (what
// metrics-server and Prometheus scraping each interval add) is shown beside it.
// BENCH_STATS_PODS (default 110) and BENCH_STATS_ROUNDS (default 20) bound the run. Needs root.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatsCollector } from '../src/agent/stats/collector.js';
import { renderResourceMetrics } from '../src/agent/stats/resource-metrics.js';
import { renderCadvisorMetrics } from '../src/agent/stats/cadvisor-metrics.js';
import { buildSummary } from '../src/agent/stats/summary.js';
import type { StatsPodTarget } from '../src/agent/stats/types.js';
import { report } from './stats.js';

const PODS = Number(process.env.BENCH_STATS_PODS ?? 110);
const ROUNDS = Number(process.env.BENCH_STATS_ROUNDS ?? 20);
const INTERVAL_S = 15;
const GOAL = 0.02;
const CG = '/sys/fs/cgroup';
const v2 = existsSync(join(CG, 'cgroup.controllers'));
const parent = `gifee-bench-stats-${process.pid}`;
const hierarchies = v2 ? [CG] : ['cpuacct', 'memory'].map((h) => join(CG, h)).filter((h) => existsSync(h));

const sleepers: ChildProcess[] = [];
const made: string[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'gifee-bench-stats-'));

function mk(rel: string) {
  for (const h of hierarchies) {
    mkdirSync(join(h, rel));
    made.push(join(h, rel));
  }
}

function cleanup() {
  for (const s of sleepers) s.kill('SIGKILL');
  // Deepest first; a cgroup is removed once its tasks have exited.
  for (const d of made.reverse()) {
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(d);
        break;
      } catch {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
  }
  made.length = 0;
  rmSync(dataDir, { recursive: true, force: true });
}

async function setUp(): Promise<StatsPodTarget[]> {
  mk(parent);
  if (v2) writeFileSync(join(CG, parent, 'cgroup.subtree_control'), '+cpu +memory');
  const pods: StatsPodTarget[] = [];
  for (let i = 0; i < PODS; i++) {
    const uid = `bench-${i}`;
    const id = `${uid}-app-0`;
    mk(`${parent}/pod${uid}`);
    if (v2) writeFileSync(join(CG, parent, `pod${uid}`, 'cgroup.subtree_control'), '+cpu +memory');
    mk(`${parent}/pod${uid}/${id}`);
    const s = spawn('sleep', ['3600'], { stdio: 'ignore' });
    sleepers.push(s);
    await new Promise((r) => s.once('spawn', r));
    for (const h of hierarchies) writeFileSync(join(h, parent, `pod${uid}`, id, 'cgroup.procs'), String(s.pid));
    const dir = join(dataDir, uid);
    for (const sub of ['upper', 'logs', 'vol']) {
      mkdirSync(join(dir, sub), { recursive: true });
      for (let f = 0; f < 5; f++) writeFileSync(join(dir, sub, `f${f}`), 'x'.repeat(4096));
    }
    pods.push({
      uid,
      namespace: 'bench',
      name: `pod-${i}`,
      startTime: new Date().toISOString(),
      hostNetwork: false,
      containers: [{ name: 'app', id, image: 'busybox', startedAt: new Date().toISOString(), pid: s.pid, logDir: join(dir, 'logs'), writableLayer: join(dir, 'upper') }],
      volumes: [{ name: 'scratch', path: join(dir, 'vol') }],
    });
  }
  return pods;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main() {
  if (process.getuid?.() !== 0 || hierarchies.length === 0) {
    console.log('bench agent-stats: skipped (needs root and a cgroup filesystem)');
    return;
  }
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const pods = await setUp();
    const collector = new StatsCollector({ nodeName: 'bench', pods: () => pods, cgroupParent: parent, nodefsPath: dataDir, imagefsPath: dataDir, cacheMs: 0 });
    // The first collection walks every tree (writable layers, logs, volumes): the once-a-minute part.
    const first = await collector.collect();
    if (first.pods.length !== PODS || first.pods.some((p) => p.containers.length !== 1)) throw new Error(`collected ${first.pods.length} pods of ${PODS}`);
    let t = cpuMs();
    for (let i = 0; i < ROUNDS; i++) await collector.collect();
    const warm = (cpuMs() - t) / ROUNDS;
    // The walks' own cost, JIT warm: collections that walk every tree each time, minus the plain ones.
    const walking = new StatsCollector({ nodeName: 'bench', pods: () => pods, cgroupParent: parent, nodefsPath: dataDir, imagefsPath: dataDir, cacheMs: 0, diskIntervalMs: 0 });
    await walking.collect();
    const walkRounds = Math.max(2, Math.round(ROUNDS / 4));
    t = cpuMs();
    for (let i = 0; i < walkRounds; i++) await walking.collect();
    const walks = Math.max(0, (cpuMs() - t) / walkRounds - warm);
    const c = await collector.collect();
    t = cpuMs();
    for (let i = 0; i < ROUNDS; i++) {
      renderResourceMetrics(c);
      renderCadvisorMetrics(c, { boot_id: '', machine_id: '', system_uuid: '' });
      JSON.stringify(buildSummary(c));
    }
    const rendering = (cpuMs() - t) / ROUNDS;
    const perInterval = warm + walks * (INTERVAL_S / 60);
    const fraction = perInterval / (INTERVAL_S * 1000);
    const withRendering = (perInterval + rendering) / (INTERVAL_S * 1000);
    report(
      `agent-stats collection at ${PODS} pods (cgroup v${v2 ? 2 : 1}), share of one core at a ${INTERVAL_S}s interval`,
      `${(fraction * 100).toFixed(3)}%`,
      `goal ${(GOAL * 100).toFixed(0)}%`,
      fraction / GOAL,
      `collection ${warm.toFixed(1)}ms CPU + disk walks ${walks.toFixed(1)}ms once a minute; rendering /metrics/resource + /metrics/cadvisor + /stats/summary ${rendering.toFixed(1)}ms (${(withRendering * 100).toFixed(3)}% with it)`,
    );
  } finally {
    cleanup();
  }
}

main().catch((e) => {
  cleanup();
  console.error(e);
  process.exit(1);
});
