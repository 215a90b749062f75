// NetworkPolicy programming latency: a policy write → the node's nftables rules that enforce it in
// the kernel, with 1,000 pods (100 of them on the measured node, as many as a node runs) in 10
// namespaces and 200 policies (namespaceSelector AND podSelector peers, ipBlock with except,
// numeric and named ports, egress rules). The enforcer is the agent's own (startNetworkPolicyEnforcer),
// programming a scratch network namespace; pods are API objects with IPs written to their status
// (no containers: the rules, not the pods, are measured). Two kinds of change, one at a time:
// 1. a policy's port changed (new chains: an atomic replace of the whole table);
// 2. a pod elsewhere relabelled into a policy's peers (set elements only).
// Baseline: the same write reaching a watch (an informer beside the enforcer); the ratio is the
// enforcer's own cost (debounce, plan, render, nft transaction). Needs Linux and root (nftables).

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { KObject } from '../src/api/kind.js';
import { startCluster, type Cluster } from '../test/helpers/cluster.js';
import { Informer } from '../src/client/informer.js';
import { R } from '../src/client/resources.js';
import { RestClient } from '../src/client/rest.js';
import { logger } from '../src/util/log.js';
import { NETWORK_POLICIES, startNetworkPolicyEnforcer } from '../src/agent/network-policy/enforcer.js';
import type { Rendered } from '../src/agent/network-policy/render.js';
import { ms, percentile, report } from './stats.js';

const run = promisify(execFile);
const PODS = Number(process.env.BENCH_PODS ?? 1000);
const POLICIES = Number(process.env.BENCH_POLICIES ?? 200);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 40);
const NAMESPACES = 10;
const NODES = 10;
const log = logger('bench-network-policy');

function adminClient(c: Cluster) {
  const kc = parse(readFileSync(c.kubeconfig, 'utf8'));
  const u = kc.users[0].user;
  const b64 = (s: string) => Buffer.from(s, 'base64').toString();
  return new RestClient({ server: c.url, ca: b64(kc.clusters[0].cluster['certificate-authority-data']), cert: b64(u['client-certificate-data']), key: b64(u['client-key-data']) });
}

async function parallel(n: number, fn: (i: number) => Promise<unknown>, workers = 16) {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
}

const nsName = (i: number) => `bench-np-${i % NAMESPACES}`;
const podIP = (i: number) => `10.${200 + (i % NODES)}.${Math.floor(i / NODES / 250)}.${(Math.floor(i / NODES) % 250) + 2}`;
const policy = (i: number, port: number): KObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { namespace: nsName(i), name: `np-${i}` },
  spec: {
    podSelector: { matchLabels: { app: `a${i % 20}` } },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: `t${i % 3}` } }, podSelector: { matchLabels: { role: `r${i % 4}` } } }, { ipBlock: { cidr: '172.16.0.0/12', except: ['172.17.0.0/16'] } }], ports: [{ port }, { port: 'http' }, { protocol: 'TCP', port: 9000, endPort: 9100 }] }],
    egress: [{ to: [{ podSelector: { matchLabels: { app: `a${(i + 1) % 20}` } } }], ports: [{ protocol: 'UDP', port: 53 }, { port: 'http' }] }],
  },
});

if (process.getuid?.() !== 0) {
  console.log('bench network-policy: skipped (needs root for nftables in a network namespace)');
  process.exit(0);
}
const netns = `gfnpb${process.pid}`;
await run('ip', ['netns', 'add', netns]);
const c = await startCluster({ agent: false, env: { GIFEE_LOG: 'warn' } });
const client = adminClient(c);
try {
  for (let n = 0; n < NAMESPACES; n++) await client.create(R.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: nsName(n), labels: { team: `t${n % 3}` } } } as KObject);
  // Pods need their namespace's default ServiceAccount (made by the controllers).
  for (let n = 0; n < NAMESPACES; n++) {
    for (let t = 0; ; t++) {
      if (
        await client.get(R.serviceaccounts, nsName(n), 'default').then(
          () => true,
          () => false,
        )
      )
        break;
      if (t > 300) throw new Error(`no default ServiceAccount in ${nsName(n)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // Nodes as objects only (pods bound to a node that does not exist would be collected).
  for (let n = 0; n < NODES; n++) await client.create(R.nodes, undefined, { apiVersion: 'v1', kind: 'Node', metadata: { name: `bench-node-${n}` } } as KObject);
  await parallel(PODS, async (i) => {
    const p = (await client.create(R.pods, nsName(i), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `pod-${i}`, labels: { app: `a${i % 20}`, role: `r${i % 4}` } },
      spec: { nodeName: `bench-node-${i % NODES}`, containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] }] },
    } as KObject)) as KObject;
    await client.update(R.pods, { ...p, status: { ...(p.status ?? {}), phase: 'Running', podIP: podIP(i), podIPs: [{ ip: podIP(i) }] } } as KObject, 'status');
  });
  await parallel(POLICIES, (i) => client.create(NETWORK_POLICIES, nsName(i), policy(i, 10_000 + i)));

  // The baseline: a plain informer on policies and pods beside the enforcer.
  const seen = new Map<string, number>(); // "kind/ns/name@rv" -> time seen
  const watchers = [new Informer(client, NETWORK_POLICIES, log.child({ part: 'bench-watch' })), new Informer(client, R.pods, log.child({ part: 'bench-watch' }))];
  for (const w of watchers) {
    const mark = (o: KObject) => seen.set(`${o.kind ?? w.resource.plural}/${o.metadata?.namespace}/${o.metadata?.name}@${o.metadata?.resourceVersion}`, performance.now());
    w.addHandlers({ onAdd: mark, onUpdate: (_a, b) => mark(b) });
    w.start();
    await w.waitForSync();
  }
  let waitingFor: { test: (r: Rendered) => boolean; resolve: () => void } | undefined;
  const syncs: { mode: string; durationMs: number }[] = [];
  let rules = 0;
  let lastRendered: Rendered | undefined;
  const enforcer = startNetworkPolicyEnforcer({
    client,
    nodeName: 'bench-node-0',
    netns,
    log: log.child({ part: 'enforcer' }),
    onSync: (s) => {
      syncs.push({ mode: s.mode, durationMs: s.durationMs });
      rules = s.rules;
      lastRendered = s.rendered;
      if (waitingFor?.test(s.rendered)) waitingFor.resolve();
    },
  });
  await enforcer.ready;
  const initial = syncs[0];
  const measure = async (change: () => Promise<KObject>, inKernel: (r: Rendered) => boolean) => {
    const enforced = new Promise<void>((resolve) => (waitingFor = { test: inKernel, resolve }));
    const t0 = performance.now();
    const written = await change();
    await enforced;
    const t1 = performance.now();
    waitingFor = undefined;
    const seenAt = [...seen].find(([k]) => k.endsWith(`/${written.metadata?.namespace}/${written.metadata?.name}@${written.metadata?.resourceVersion}`))?.[1];
    return { enforced: t1 - t0, watched: (seenAt ?? t1) - t0 };
  };

  // 1. Policy writes: a new port in one policy's ingress (chains change: full replace).
  const full: { enforced: number; watched: number }[] = [];
  for (let k = 0; k < CHANGES; k++) {
    const i = (k * NODES) % POLICIES; // policies in namespaces whose pods include bench-node-0's
    const port = 20_000 + k;
    full.push(
      await measure(
        () => client.update(NETWORK_POLICIES, { ...policy(i, port), metadata: { ...policy(i, port).metadata, resourceVersion: undefined } } as KObject),
        (r) => r.structure.includes(`th dport ${port} `),
      ),
    );
  }
  // 2. A pod on another node relabelled into peers: set elements only.
  const elements: { enforced: number; watched: number }[] = [];
  for (let k = 0; k < CHANGES; k++) {
    const i = 1 + k * NODES; // on bench-node-1
    const role = `r${(k % 2) * 2}`; // from an odd role to one the node's policies name as peers
    const target = podIP(i);
    // The sets holding the pod's address; enforced once that membership differs from before the write.
    const holding = (r: Rendered | undefined) =>
      [...(r?.elements ?? [])]
        .filter(([, els]) => els.some((e) => e === target || inRange(target, e)))
        .map(([n]) => n)
        .sort()
        .join();
    const before = holding(lastRendered);
    elements.push(
      await measure(
        () => client.patch(R.pods, nsName(i), `pod-${i}`, { metadata: { labels: { role } } }) as Promise<KObject>,
        (r) => holding(r) !== before,
      ),
    );
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const fe = sorted(full.map((x) => x.enforced));
  const fw = sorted(full.map((x) => x.watched));
  const ee = sorted(elements.map((x) => x.enforced));
  const ew = sorted(elements.map((x) => x.watched));
  const fullSyncs = sorted(syncs.filter((s) => s.mode === 'full').map((s) => s.durationMs));
  report(
    'network-policy-programming',
    `policy write → enforced in nftables, ${PODS} pods (${PODS / NODES} on the node), ${POLICIES} policies, ${rules} rules: p50 ${ms(percentile(fe, 50))} p99 ${ms(percentile(fe, 99))} (full table replace; plan+render+nft p50 ${ms(percentile(fullSyncs, 50))}, first sync ${ms(initial.durationMs)})`,
    `the same write reaching a watch: p50 ${ms(percentile(fw, 50))} p99 ${ms(percentile(fw, 99))}`,
    percentile(fe, 50) / percentile(fw, 50),
  );
  report('network-policy-peers', `pod relabelled into peers → set elements in nftables: p50 ${ms(percentile(ee, 50))} p99 ${ms(percentile(ee, 99))}`, `the same write reaching a watch: p50 ${ms(percentile(ew, 50))} p99 ${ms(percentile(ew, 99))}`, percentile(ee, 50) / percentile(ew, 50));
  enforcer.stop();
  for (const w of watchers) w.stop();
} finally {
  client.close();
  await c.stop();
  await run('ip', ['netns', 'delete', netns]).catch(() => undefined);
}

function inRange(ip: string, element: string): boolean {
  const [a, b] = element.split('-');
  if (!b) return false;
  const n = (s: string) => s.split('.').reduce((x, y) => x * 256 + Number(y), 0);
  return n(ip) >= n(a) && n(ip) <= n(b);
}
