// Scheduler throughput (the scheduler_perf "SchedulingBasic" shape): pods bound per second by the
// scheduler placing BENCH_PODS pods onto BENCH_NODES simulated nodes (Node objects with capacity,
// no agent), with p50/p99 scheduling attempt latency (queue pop to bind acknowledged), and its ratio
// to the raw API bind rate measured in the same run: the same number of pods bound by POST
// pods/binding directly, with no scheduling decision, at the same client concurrency.
//
// The server runs with --no-controllers (so its own scheduler stays out of the way); the measured
// scheduler runs in this process as a separate component, as kube-scheduler does, under its own
// schedulerName. BENCH_NODES=500 BENCH_PODS=1000 for a quick run.

import { startScheduler } from '../src/scheduler/scheduler.js';
import { startCluster, type Cluster } from '../test/helpers/cluster.js';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { logger } from '../src/util/log.js';
import { ms, percentile, report } from './stats.js';

const NODES = Number(process.env.BENCH_NODES ?? 5000);
const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);

async function drive(total: number, clients: number, op: (i: number) => Promise<void>) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        await op(i);
      }
    }),
  );
  return total / ((performance.now() - start) / 1000);
}

const ok = (r: { status: number; body: string }, what: string) => {
  if (r.status >= 300) throw new Error(`${what} failed: ${r.status} ${r.body.slice(0, 300)}`);
};

const pod = (name: string, schedulerName: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'bench' } },
  spec: { schedulerName, containers: [{ name: 'c', image: 'registry.local/pause:1', resources: { requests: { cpu: '100m', memory: '500Mi' } } }] },
});

async function createNodes(c: Cluster) {
  const resources = { cpu: '4', memory: '32Gi', pods: '110' };
  await drive(NODES, CLIENTS, async (i) => {
    const name = `node-${i}`;
    ok(await c.request('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${i % 3}` } } }), 'node create');
    ok(await c.request('PATCH', `/api/v1/nodes/${name}/status`, { status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True' }] } }, { 'Content-Type': 'application/merge-patch+json' }), 'node status');
  });
}

async function rawBindRate(c: Cluster) {
  await drive(PODS, CLIENTS, async (i) => ok(await c.request('POST', '/api/v1/namespaces/default/pods', pod(`raw-${i}`, 'nobody')), 'pod create'));
  return drive(PODS, CLIENTS, async (i) => {
    ok(await c.request('POST', `/api/v1/namespaces/default/pods/raw-${i}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: `raw-${i}` }, target: { apiVersion: 'v1', kind: 'Node', name: `node-${i % NODES}` } }), 'bind');
  });
}

async function schedulerRate(c: Cluster) {
  await drive(PODS, CLIENTS, async (i) => ok(await c.request('POST', '/api/v1/namespaces/default/pods', pod(`sched-${i}`, 'bench-scheduler')), 'pod create'));
  const kc = parse(await readFile(c.kubeconfig, 'utf8'));
  const b64 = (s: string) => Buffer.from(s, 'base64').toString();
  const lat: number[] = [];
  const cycles: number[] = [];
  let first = 0;
  let last = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const s = await startScheduler({
    server: c.url,
    ca: b64(kc.clusters[0].cluster['certificate-authority-data']),
    cert: b64(kc.users[0].user['client-certificate-data']),
    key: b64(kc.users[0].user['client-key-data']),
    log: logger('bench-scheduler'),
    schedulerName: 'bench-scheduler',
    onBound: (_k, _n, t) => {
      const now = performance.now();
      if (!first) first = now;
      last = now;
      lat.push(t.seconds * 1000);
      cycles.push(t.cycleSeconds * 1000);
      if (lat.length === PODS) done();
    },
  });
  const started = performance.now();
  await all;
  await s.stop();
  return { perSec: PODS / ((last - first) / 1000), withSyncSecs: (last - started) / 1000, lat: lat.sort((a, b) => a - b), cycles: cycles.sort((a, b) => a - b) };
}

const c = await startCluster({ extraArgs: ['--no-controllers'], env: { GIFEE_LOG: 'warn' } });
try {
  const t = performance.now();
  await createNodes(c);
  console.error(`${NODES} nodes created in ${((performance.now() - t) / 1000).toFixed(1)}s`);
  const raw = await rawBindRate(c);
  const sched = await schedulerRate(c);
  report(
    'scheduler-throughput',
    `${sched.perSec.toFixed(0)} pods/s bound by the scheduler (${PODS} pods, ${NODES} nodes; ${sched.withSyncSecs.toFixed(1)}s including informer sync), scheduling cycle p50 ${ms(percentile(sched.cycles, 50))} p99 ${ms(percentile(sched.cycles, 99))}, queue pop to bind acknowledged p50 ${ms(percentile(sched.lat, 50))} p99 ${ms(percentile(sched.lat, 99))}`,
    `${raw.toFixed(0)} raw API binds/s (POST pods/binding, ${CLIENTS} clients)`,
    sched.perSec / raw,
  );
} finally {
  await c.stop();
}
