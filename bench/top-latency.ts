// `kubectl top pods -A` latency at BENCH_PODS pods (default 10,000) on BENCH_NODES simulated nodes
// (default 100; `gifee sim nodes` serves synthetic /metrics/resource figures, scraped by the API
// server every GIFEE_METRIC_RESOLUTION_MS, here 5 s). Pods are created bound to the nodes (no
// scheduler in the path) and the figure is the median of BENCH_RUNS runs of kubectl top once every
// pod has metrics. Baseline in the same run: `kubectl get pods -A` on the same pods (the list the
// metrics API's PodMetrics list is computed beside).
//
// BENCH_PODS=2000 BENCH_NODES=20 node dist/bench/top-latency.js

import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { KObject } from '../src/api/kind.js';
import { R } from '../src/client/resources.js';
import { cliCommand, kubectlBinary, repoRoot, startCluster } from '../test/helpers/cluster.js';
import { clientFromKubeconfig } from '../test/helpers/fake-kubelet.js';
import { until as waitUntil } from '../test/helpers/wait.js';
import { report } from './stats.js';

const run = promisify(execFile);
const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const NODES = Number(process.env.BENCH_NODES ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CLIENTS = 16;

const until = (fn: () => Promise<boolean>, what: string, ms = 1_800_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 1000 });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cluster = await startCluster({ env: { GIFEE_LOG: 'warn', GIFEE_METRIC_RESOLUTION_MS: '5000' } });
const client = clientFromKubeconfig(cluster.kubeconfig);
const kubectl = async (args: string[]) => {
  const t0 = performance.now();
  const r = await run(kubectlBinary, ['--kubeconfig', cluster.kubeconfig, ...args], { maxBuffer: 256 << 20 });
  return { ms: performance.now() - t0, stdout: r.stdout };
};
const sim = spawn(process.execPath, [...cliCommand(), 'sim', 'nodes', '--count', String(NODES), '--kubeconfig', cluster.kubeconfig, '--pods', '110'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GIFEE_LOG: 'warn' } });
let simErr = '';
sim.stderr.on('data', (c) => (simErr = (simErr + c).slice(-4000)));
try {
  await until(async () => (await client.list(R.nodes)).items.length >= NODES, 'sim nodes registered', 120_000);
  const nodes = (await client.list(R.nodes)).items.map((n) => n.metadata!.name!);
  await client.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'top' } } as KObject);
  await until(async () => !!(await client.get(R.serviceaccounts, 'top', 'default').catch(() => undefined)), 'default ServiceAccount', 30_000);
  const created = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < PODS; i = next++) {
        const r = await cluster.request('POST', '/api/v1/namespaces/top/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, labels: { app: `a${i % 10}` } }, spec: { nodeName: nodes[i % nodes.length], containers: [{ name: 'c', image: 'registry.local/bench:1' }] } });
        if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body}`);
      }
    }),
  );
  console.log(`bench top-latency: ${PODS} pods created in ${((performance.now() - created) / 1000).toFixed(0)} s`);
  const metricsCount = async () => JSON.parse((await kubectl(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/top/pods'])).stdout).items.length as number;
  await until(async () => (await metricsCount()) === PODS, 'metrics for every pod');
  console.log(`bench top-latency: every pod has metrics ${((performance.now() - created) / 1000).toFixed(0)} s after the first was created`);
  const top: number[] = [];
  const get: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = await kubectl(['top', 'pods', '-A', '--no-headers']);
    if (t.stdout.trim().split('\n').length < PODS) throw new Error(`kubectl top listed ${t.stdout.trim().split('\n').length} pods`);
    top.push(t.ms);
    get.push((await kubectl(['get', 'pods', '-A', '--no-headers'])).ms);
  }
  const topMs = median(top);
  const getMs = median(get);
  report('top-latency', `kubectl top pods -A at ${PODS} pods on ${NODES} sim nodes: ${topMs.toFixed(0)} ms (median of ${RUNS})`, `kubectl get pods -A ${getMs.toFixed(0)} ms`, topMs / getMs);
} catch (e) {
  console.error(simErr);
  throw e;
} finally {
  await new Promise<void>((r) => {
    sim.once('exit', () => r());
    sim.kill('SIGTERM');
  });
  client.close();
  await cluster.stop();
}
