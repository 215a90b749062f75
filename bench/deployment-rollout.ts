// Deployment rollout: a Deployment of BENCH_REPLICAS (default 1,000) replicas on a real `gifee
// server` (SQLite): time until all replicas are Available, then time to complete a rolling update
// (new image, default 25% surge / 25% unavailable). Baseline in the same run: the same number of
// bare pods created straight through the API (16 concurrent clients) until all are Ready. Pods are
// made Ready by a watch-driven stand-in kubelet below (bind, then Running + Ready; confirm deletes),
// the same for both runs, so the ratio is the controllers' cost over raw pod creation.

import type { KObject } from '../src/api/kind.js';
import { R } from '../src/client/resources.js';
import type { RestClient } from '../src/client/rest.js';
import { until as waitUntil } from '../test/helpers/wait.js';
import { startCluster, type Cluster } from '../test/helpers/cluster.js';
import { clientFromKubeconfig } from '../test/helpers/fake-kubelet.js';
import { report } from './stats.js';

const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 1000);
const CLIENTS = 16;
const NODE = 'bench-node';
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** STAND-IN for scheduler + agent: binds every pod to one node and reports it Ready at once. */
async function standInKubelet(client: RestClient) {
  await client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE }, spec: {} } as KObject);
  const pending = new Map<string, KObject>();
  let busy = 0;
  let stopped = false;
  const act = async (p: KObject) => {
    const ns = p.metadata!.namespace!;
    const name = p.metadata!.name!;
    const spec = p.spec as { nodeName?: string };
    if (p.metadata?.deletionTimestamp) return void (await client.delete(R.pods, ns, name, { gracePeriodSeconds: 0 }).catch(() => undefined));
    if (!spec.nodeName) return void (await client.request('POST', `/api/v1/namespaces/${ns}/pods/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: NODE } }).catch(() => undefined));
    const ready = ((p.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    if (!ready) await client.patch(R.pods, ns, name, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now() }] } }, 'merge', 'status').catch(() => undefined);
  };
  const pump = () => {
    while (!stopped && busy < CLIENTS && pending.size) {
      const [key, p] = pending.entries().next().value as [string, KObject];
      pending.delete(key);
      busy++;
      void act(p).finally(() => {
        busy--;
        pump();
      });
    }
  };
  const list = await client.list(R.pods);
  const w = client.watch(R.pods, undefined, { resourceVersion: list.metadata.resourceVersion }, (e) => {
    if (e.type !== 'ADDED' && e.type !== 'MODIFIED') return;
    pending.set(`${e.object.metadata!.namespace}/${e.object.metadata!.name}`, e.object);
    pump();
  });
  return {
    stop: async () => {
      stopped = true;
      w.abort();
      await w.done.catch(() => undefined);
    },
  };
}

const until = (fn: () => Promise<boolean>, what: string, ms = 600_000) => waitUntil(what, fn, { timeoutMs: ms, intervalMs: 100 });

const readyPods = async (c: RestClient, ns: string) => (await c.list(R.pods, ns)).items.filter((p) => ((p.status as { conditions?: { type: string; status: string }[] })?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True')).length;

async function barePods(cluster: Cluster, client: RestClient): Promise<number> {
  await client.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bare' } } as KObject);
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < REPLICAS; i = next++) {
        const r = await cluster.request('POST', '/api/v1/namespaces/bare/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `bare-${i}`, labels: { app: 'bare' } }, spec: { containers: [{ name: 'c', image: 'registry.local/bench:1' }] } });
        if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.body}`);
      }
    }),
  );
  await until(async () => (await readyPods(client, 'bare')) === REPLICAS, 'bare pods ready');
  return (performance.now() - start) / 1000;
}

async function deployment(client: RestClient): Promise<{ available: number; rolled: number }> {
  const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'bench', namespace: 'default' }, spec: { replicas: REPLICAS, selector: { matchLabels: { app: 'bench' } }, template: { metadata: { labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'registry.local/bench:1' }] } } } };
  type Status = { replicas?: number; updatedReplicas?: number; availableReplicas?: number; observedGeneration?: number };
  const done = async () => {
    const live = await client.get(R.deployments, 'default', 'bench');
    const s = (live.status ?? {}) as Status;
    return (s.observedGeneration ?? 0) >= (live.metadata?.generation ?? 1) && s.replicas === REPLICAS && s.updatedReplicas === REPLICAS && s.availableReplicas === REPLICAS;
  };
  let start = performance.now();
  await client.create(R.deployments, 'default', d as KObject);
  await until(done, 'deployment available');
  const available = (performance.now() - start) / 1000;
  start = performance.now();
  await client.patch(R.deployments, 'default', 'bench', { spec: { template: { spec: { containers: [{ name: 'c', image: 'registry.local/bench:2' }] } } } }, 'strategic');
  await until(done, 'rolling update complete');
  return { available, rolled: (performance.now() - start) / 1000 };
}

const cluster = await startCluster({ env: { GIFEE_LOG: 'warn' } });
const client = clientFromKubeconfig(cluster.kubeconfig);
const kubelet = await standInKubelet(client);
try {
  const bare = await barePods(cluster, client);
  const dep = await deployment(client);
  report(
    'deployment-rollout',
    `${REPLICAS} replicas all Available in ${dep.available.toFixed(2)}s; rolling update complete in ${dep.rolled.toFixed(2)}s`,
    `${REPLICAS} bare pods created through the API and Ready in ${bare.toFixed(2)}s`,
    dep.available / bare,
    `rolling update / bare ratio ${(dep.rolled / bare).toFixed(2)}`,
  );
} finally {
  await kubelet.stop();
  client.close();
  await cluster.stop();
}
