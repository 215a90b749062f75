// Audit cost: pod creates per second through HTTPS with the audit log at Metadata level for every
// request, against the same server with auditing off, in the same run (same bodies, same
// concurrency). Rounds alternate off/on so a busy moment of the machine hits both.

import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '../test/helpers/cluster.js';
import { ms, percentile, report } from './stats.js';

const TOTAL = Number(process.env.BENCH_CREATES ?? 2000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const pod = (round: number, i: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `bench-${round}-${i}`, labels: { app: 'bench' } },
  spec: { containers: [{ name: 'c', image: 'registry.local/bench:1' }] },
});

async function run(audit: boolean, round: number, dir: string) {
  const log = join(dir, `audit-${round}.log`);
  const extraArgs = audit ? ['--audit-policy-file', join(dir, 'policy.yaml'), '--audit-log-path', log] : [];
  const c = await startCluster({ env: { GIFEE_LOG: 'warn' }, extraArgs });
  try {
    let next = 0;
    const lat: number[] = [];
    const start = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        for (let i = next++; i < TOTAL; i = next++) {
          const t = performance.now();
          const r = await c.request('POST', '/api/v1/namespaces/default/pods', pod(round, i));
          if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body}`);
          lat.push(performance.now() - t);
        }
      }),
    );
    const perSec = TOTAL / ((performance.now() - start) / 1000);
    return { perSec, lat: lat.sort((a, b) => a - b), logBytes: audit ? (await stat(log).catch(() => ({ size: 0 }))).size : 0 };
  } finally {
    await c.stop();
  }
}

const dir = await mkdtemp(join(tmpdir(), 'gifee-bench-audit-'));
try {
  await writeFile(join(dir, 'policy.yaml'), 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n');
  const off: number[] = [];
  const on: number[] = [];
  let last = { perSec: 0, lat: [] as number[], logBytes: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    off.push((await run(false, r, dir)).perSec);
    last = await run(true, r, dir);
    on.push(last.perSec);
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  report(
    'audit',
    `${avg(on).toFixed(0)} pod creates/s with the audit log at Metadata for every request (${CLIENTS} clients, ${TOTAL} pods, ${ROUNDS} rounds; last round p50 ${ms(percentile(last.lat, 50))} p99 ${ms(percentile(last.lat, 99))}, ${(last.logBytes / 1024 / 1024).toFixed(1)} MiB logged)`,
    `${avg(off).toFixed(0)} creates/s with auditing off`,
    avg(on) / avg(off),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
