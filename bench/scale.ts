// Control plane at scale: BENCH_PODS pods (Deployments of BENCH_REPLICAS each) on BENCH_NODES
// simulated nodes (`gifee sim nodes`, pods go Running/Ready without containers) in one `gifee
// server` (controllers, scheduler; SQLite). Figures: pods/s from the Deployments' creation to every
// pod Ready, and the server's RSS above its idle RSS per pod. Baseline in the same run, same server
// and sim nodes: BENCH_BARE bare pods (no controller; scheduler and sim only) created and Ready,
// so the ratio is what the controllers cost over raw pod creation and scheduling.
//
// BENCH_PODS=3000 BENCH_NODES=500 node dist/bench/scale.js

import { spawn } from 'node:child_process';
import type { KObject } from '../src/api/kind.js';
import { R } from '../src/client/resources.js';
import type { RestClient } from '../src/client/rest.js';
import { until as waitUntil } from '../test/helpers/wait.js';
import { cliCommand, repoRoot, startCluster, type Cluster } from '../test/helpers/cluster.js';
import { clientFromKubeconfig } from '../test/helpers/fake-kubelet.js';
import { report, treeRssBytes } from './stats.js';

const PODS = Number(process.env.BENCH_PODS ?? 3000);
const NODES = Number(process.env.BENCH_NODES ?? 500);
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 100);
const BARE = Number(process.env.BENCH_BARE ?? 1000);
const CLIENTS = 16;

// The server with its component processes (controllers and scheduler): what the control plane costs.
const rssMiB = async (pid: number) => treeRssBytes(pid) / 1048576;
const isReady = (p: KObject) => ((p.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

const until = (fn: () => Promise<boolean>, what: string, ms = 1_800_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 500 });

/** Ready pods in ns, counted from paged lists (a 10,000-item list in one response costs the server too). */
async function readyCount(client: RestClient, ns: string): Promise<number> {
  let n = 0;
  let cont: string | undefined;
  do {
    const page = await client.list(R.pods, ns, { limit: '1000', ...(cont ? { continue: cont } : {}) });
    n += page.items.filter(isReady).length;
    cont = page.metadata.continue;
  } while (cont);
  return n;
}

async function simNodes(cluster: Cluster) {
  const proc = spawn(process.execPath, [...cliCommand(), 'sim', 'nodes', '--count', String(NODES), '--kubeconfig', cluster.kubeconfig, '--pods', '110'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, GIFEE_LOG: 'warn' } });
  let err = '';
  proc.stderr.on('data', (c) => (err = (err + c).slice(-4000)));
  return {
    proc,
    stop: () =>
      new Promise<void>((r) => {
        proc.once('exit', () => r());
        proc.kill('SIGTERM');
      }),
    err: () => err,
  };
}

async function barePods(cluster: Cluster, client: RestClient): Promise<number> {
  await client.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bare' } } as KObject);
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < BARE; i = next++) {
        const r = await cluster.request('POST', '/api/v1/namespaces/bare/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `bare-${i}` }, spec: { containers: [{ name: 'c', image: 'registry.local/bench:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } });
        if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body}`);
      }
    }),
  );
  await until(async () => (await readyCount(client, 'bare')) === BARE, 'bare pods ready');
  return BARE / ((performance.now() - start) / 1000);
}

async function deployments(client: RestClient): Promise<number> {
  await client.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'scale' } } as KObject);
  const count = Math.ceil(PODS / REPLICAS);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const replicas = Math.min(REPLICAS, PODS - i * REPLICAS);
    const labels = { app: `d${i}` };
    await client.create(R.deployments, 'scale', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `d${i}` },
      spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'registry.local/bench:1', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] } } },
    } as KObject);
  }
  const deadline = Number(process.env.BENCH_TIMEOUT_S ?? 1800) * 1000;
  try {
    await until(async () => (await readyCount(client, 'scale')) === PODS, 'deployment pods ready', deadline);
  } catch (e) {
    // Say how far it got: a control plane that cannot keep up is a result too.
    console.log(`bench scale: not done after ${(deadline / 1000).toFixed(0)}s: ${await readyCount(client, 'scale')} of ${PODS} pods Ready; server RSS ${(await rssMiB(cluster.pid)).toFixed(0)} MiB`);
    throw e;
  }
  return PODS / ((performance.now() - start) / 1000);
}

// Sim nodes take no pod CIDR from the cluster CIDR (their pods' IPs come from 198.18.0.0/15), so
// the default /16 does for any number of them.
const cluster = await startCluster({ env: { GIFEE_LOG: 'warn' } });
const client = clientFromKubeconfig(cluster.kubeconfig);
const sim = await simNodes(cluster);
try {
  await until(async () => (await client.list(R.nodes)).items.length >= NODES, 'sim nodes registered', 120_000);
  await new Promise((r) => setTimeout(r, 3000)); // let node IPAM and the scheduler settle
  const idle = await rssMiB(cluster.pid);
  const bareRate = await barePods(cluster, client);
  console.log(`bench scale: baseline ${BARE} bare pods Ready at ${bareRate.toFixed(1)} pods/s (idle RSS ${idle.toFixed(0)} MiB)`);
  // Remove the bare pods so that the memory figure is the Deployments' alone.
  await client.request('DELETE', '/api/v1/namespaces/bare/pods', { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 });
  await until(async () => (await client.list(R.pods, 'bare', { limit: '1' })).items.length === 0, 'bare pods gone', 300_000);
  const base = await rssMiB(cluster.pid);
  const rate = await deployments(client);
  const after = await rssMiB(cluster.pid);
  report(
    'scale',
    `${PODS} pods in ${Math.ceil(PODS / REPLICAS)} Deployments on ${NODES} sim nodes Ready at ${rate.toFixed(0)} pods/s; control-plane RSS (server and its component process) ${after.toFixed(0)} MiB, ${(((after - base) * 1024) / PODS).toFixed(1)} KiB/pod above the RSS before them (${base.toFixed(0)} MiB; idle ${idle.toFixed(0)} MiB)`,
    `${BARE} bare pods created and Ready at ${bareRate.toFixed(0)} pods/s`,
    rate / bareRate,
  );
} catch (e) {
  console.error(sim.err());
  throw e;
} finally {
  await sim.stop();
  client.close();
  await cluster.stop();
}
