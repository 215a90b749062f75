// Server CPU per pod create: microseconds of the API server process's CPU time (user + system, all its
// threads, from /proc/PID/stat) per POST of a pod, with the client in this process, so the figure does
// not move with the load generator. Baseline in the same run: ConfigMap creates whose request bodies
// are the same size, in alternating batches (a ConfigMap has no defaulting, no pod admission chain and
// a smaller stored object). The server runs without controllers (`--no-controllers`), so it is idle
// but for the benchmark's requests (the controllers' background requests would be counted in
// proportion to the wall time, which moves with the machine's load). In their place this process
// watches pods and ConfigMaps (one watch each, as one informer would), so each create also pays its
// watch event. A batch's CPU is counted until the server is quiet again, minus the idle rate.
//
// BENCH_CPU_PROF=DIR writes a V8 CPU profile of the server process into DIR (open it in Chrome's
// DevTools or summarize it with `node dist/bench/cpu-profile-top.js FILE`).

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { parse } from 'yaml';
import { startCluster } from '../test/helpers/cluster.js';
import { report } from './stats.js';

const PER_BATCH = Number(process.env.BENCH_BATCH ?? 500);
const BATCHES = Number(process.env.BENCH_BATCHES ?? 4);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const PROF = process.env.BENCH_CPU_PROF;

const TICK_US = 1e6 / 100; // USER_HZ: 100 on Linux

/** CPU time (user + system, µs) of one process, all its threads. */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US; // fields 14 and 15 (utime, stime)
}

const pod = (i: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `bench-${i}`, labels: { app: 'bench', tier: 'web' } },
  spec: {
    schedulerName: 'bench-nobody',
    containers: [{ name: 'c', image: 'registry.local/bench:1', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
  },
});
const podBytes = JSON.stringify(pod(0)).length;
const configMap = (i: number) => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `bench-${i}`, labels: { app: 'bench', tier: 'web' } }, data: { v: '' } };
  cm.data.v = 'x'.repeat(Math.max(0, podBytes - JSON.stringify(cm).length));
  return cm;
};

const c = await startCluster({ env: { GIFEE_LOG: 'warn' }, extraArgs: ['--no-controllers'], nodeArgs: PROF ? ['--cpu-prof', `--cpu-prof-dir=${PROF}`] : [] });
try {
  const pid = c.pid;
  // The default ServiceAccount (the controllers would make it) and one watch per resource.
  const sa = await c.request('POST', '/api/v1/namespaces/default/serviceaccounts', { metadata: { name: 'default' } });
  if (sa.status !== 201 && sa.status !== 409) throw new Error(`serviceaccount: ${sa.status} ${sa.body}`);
  const kc = parse(await readFile(c.kubeconfig, 'utf8'));
  const watchAgent = new https.Agent({
    ca: Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64'),
    cert: Buffer.from(kc.users[0].user['client-certificate-data'], 'base64'),
    key: Buffer.from(kc.users[0].user['client-key-data'], 'base64'),
  });
  const events = { pods: 0, configmaps: 0 };
  const watches = await Promise.all(
    (['pods', 'configmaps'] as const).map(
      (r) =>
        new Promise<import('node:http').ClientRequest>((resolve, reject) => {
          const req = https.get(`${c.url}/api/v1/${r}?watch=1&allowWatchBookmarks=true`, { agent: watchAgent }, (res) => {
            res.on('data', (d: Buffer) => {
              for (const b of d) if (b === 10) events[r]++;
            });
            resolve(req);
          });
          req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
        }),
    ),
  );

  // Runs `n` creates from `from` with CLIENTS concurrent requests; returns the server's CPU (µs) and
  // the wall time (ms).
  const batch = async (kind: 'pods' | 'configmaps', from: number, n: number) => {
    const s0 = cpuUs(pid);
    const t0 = performance.now();
    let next = from;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (;;) {
          const i = next++;
          if (i >= from + n) return;
          const r = await c.request('POST', `/api/v1/namespaces/default/${kind}`, kind === 'pods' ? pod(i) : configMap(i));
          if (r.status !== 201) throw new Error(`${kind} create failed: ${r.status} ${r.body}`);
        }
      }),
    );
    const ms = performance.now() - t0;
    await settle();
    return { server: cpuUs(pid) - s0, wall: performance.now() - t0, ms };
  };
  // Waits until the server is quiet (at most one clock tick of CPU in 250 ms): on a loaded machine it
  // finishes a batch's work (watch writes, GC) well after the last response, and that work is the batch's.
  const settle = async () => {
    for (let i = 0; i < 40; i++) {
      const a = cpuUs(pid);
      await new Promise((r) => setTimeout(r, 250));
      if (cpuUs(pid) - a <= TICK_US) return;
    }
  };

  // Warm-up (JIT, caches), not counted.
  await batch('configmaps', 1_000_000, 200);
  await batch('pods', 1_000_000, 200);

  const sum = { pods: { server: 0, wall: 0, ms: 0 }, configmaps: { server: 0, wall: 0, ms: 0 } };
  for (let b = 0; b < BATCHES; b++) {
    for (const kind of b % 2 ? (['pods', 'configmaps'] as const) : (['configmaps', 'pods'] as const)) {
      const r = await batch(kind, b * PER_BATCH, PER_BATCH);
      sum[kind].server += r.server;
      sum[kind].wall += r.wall;
      sum[kind].ms += r.ms;
    }
  }
  // Idle CPU of the server (timers), subtracted per batch's wall time: measured once it is quiet
  // after the load (a fresh server is still busy starting).
  await settle();
  const i0 = cpuUs(pid);
  await new Promise((r) => setTimeout(r, 3000));
  const idleUsPerMs = (cpuUs(pid) - i0) / 3000;
  for (const k of ['pods', 'configmaps'] as const) sum[k].server -= idleUsPerMs * sum[k].wall;
  const n = BATCHES * PER_BATCH;
  for (const w of watches) w.destroy();
  watchAgent.destroy();
  if (events.pods < n || events.configmaps < n) throw new Error(`watch events missing: ${JSON.stringify(events)}`);
  const per = (k: 'pods' | 'configmaps') => sum[k].server / n;
  report(
    'create-cpu',
    `${per('pods').toFixed(0)} µs of server CPU per pod create (${n} pods, ${CLIENTS} concurrent clients over HTTPS, ${podBytes}-byte bodies, one pod watch; ${(n / (sum.pods.ms / 1000)).toFixed(0)} creates/s)`,
    `${per('configmaps').toFixed(0)} µs per ConfigMap create of the same body size (${(n / (sum.configmaps.ms / 1000)).toFixed(0)} creates/s)`,
    per('pods') / per('configmaps'),
    `idle server ${(idleUsPerMs * 1000).toFixed(0)} µs CPU/s subtracted`,
  );
} finally {
  await c.stop();
}
