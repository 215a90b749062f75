// API throughput: pod creates per second through HTTPS with N concurrent clients against a real
// `gifee server` (SQLite), with p50/p99 latency, and its ratio to raw store writes per second measured
// in the same run (same object bodies, same concurrency, straight into the Store).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import { startCluster } from '../test/helpers/cluster.js';
import { ms, percentile, report, drive } from './stats.js';

const TOTAL = Number(process.env.BENCH_CREATES ?? 3000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);

const pod = (i: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `bench-${i}`, labels: { app: 'bench' } },
  spec: { containers: [{ name: 'c', image: 'registry.local/bench:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

async function rawStore() {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-bench-store-'));
  const store = await openStore({ backend: 'sqlite', dataDir: dir });
  try {
    return await drive(TOTAL, CLIENTS, async (i) => {
      await store.create(`/registry/core/pods/default/bench-${i}`, JSON.stringify(pod(i)));
    });
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function api() {
  const c = await startCluster({ env: { GIFEE_LOG: 'warn' } });
  try {
    return await drive(TOTAL, CLIENTS, async (i) => {
      const r = await c.request('POST', '/api/v1/namespaces/default/pods', pod(i));
      if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body}`);
    });
  } finally {
    await c.stop();
  }
}

const raw = await rawStore();
const through = await api();
report(
  'api-throughput',
  `${through.perSec.toFixed(0)} pod creates/s over HTTPS (${CLIENTS} clients, ${TOTAL} pods), p50 ${ms(percentile(through.lat, 50))} p99 ${ms(percentile(through.lat, 99))}`,
  `${raw.perSec.toFixed(0)} raw SQLite store writes/s (p50 ${ms(percentile(raw.lat, 50))} p99 ${ms(percentile(raw.lat, 99))})`,
  through.perSec / raw.perSec,
);
