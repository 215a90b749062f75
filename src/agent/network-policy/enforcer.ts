// NetworkPolicy enforcement on one node: watches NetworkPolicies, pods and namespaces through the
// shared informers, and after each burst of changes (debounced) plans the rules for this node's
// pods and applies them to its own nftables table in one transaction: the whole table replaced
// atomically when chains change, only set elements when just the peers moved (a pod elsewhere got
// an IP, a namespace changed labels), which keeps the chains' counters. A failed apply is retried
// with backoff from a full replace. The table stays when the agent stops (pods stay protected
// across an agent restart; the next run replaces it) and goes with `gifee reset`.

import type { KObject } from '../../api/kind.js';
import { informerScope, type InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import type { ResourceRef, RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { metrics } from '../../util/metrics.js';
import { namespaceView, podView, policyView, type PodView } from './model.js';
import { runNft } from './nft.js';
import { plan } from './plan.js';
import { readDropCounters } from './counters.js';
import { deleteScript, elementsScript, fullScript, netpolTableName, render, type Rendered } from './render.js';

export const NETWORK_POLICIES: ResourceRef = { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies' };

const programming = metrics.histogram('gifee_network_policy_programming_duration_seconds', 'Seconds from a change to a NetworkPolicy, pod or namespace to the nftables rules that enforce it being in the kernel.', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);
const syncs = metrics.counter('gifee_network_policy_syncs_total', 'NetworkPolicy rule syncs by how they were applied (full table replace, set elements only, nothing changed) or failed.');
const ruleGauge = metrics.gauge('gifee_network_policy_rules', 'nftables rules in the NetworkPolicy chains of this node.');
const isolatedGauge = metrics.gauge('gifee_network_policy_isolated_pods', "This node's pods isolated by a NetworkPolicy, by direction.");
const dropCounter = metrics.counter('gifee_network_policy_drops_total', 'Packets of new flows dropped because no NetworkPolicy allowed them, by pod and direction.');

export interface EnforcerOptions {
  client: RestClient;
  informers?: InformerFactory;
  nodeName: string;
  /** The agent's pod bridge: names the table (test nodes sharing a namespace do not collide). */
  bridge?: string;
  /** Coalescing window for bursts of changes (default 20 ms). */
  debounceMs?: number;
  /** How often drop counters are read into the metric (default 5 s). */
  countersMs?: number;
  /** Tests and benchmarks: program a named network namespace instead of the agent's own. */
  netns?: string;
  log: Logger;
  /** Called after each applied sync (benchmarks, tests). */
  onSync?(s: { mode: 'full' | 'elements' | 'unchanged'; durationMs: number; rules: number; rendered: Rendered }): void;
}

export interface NetworkPolicyEnforcer {
  table: string;
  /** Resolves after the first sync with synced caches. */
  ready: Promise<void>;
  /** Resolves once every change seen so far is in the kernel. */
  flush(): Promise<void>;
  stop(): void;
}

export function startNetworkPolicyEnforcer(o: EnforcerOptions): NetworkPolicyEnforcer {
  const log = o.log;
  const table = netpolTableName(o.bridge);
  const informers = informerScope(o, 'network-policy');
  const policies = informers.informer(NETWORK_POLICIES);
  const pods = informers.informer(R.pods);
  const namespaces = informers.informer(R.namespaces);

  let applied: Rendered | undefined;
  let firstChange: number | undefined; // performance.now() of the oldest change not yet applied
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let dirty = false;
  let stopped = false;
  let synced = false;
  let failures = 0;
  let waiters: (() => void)[] = [];
  const warned = new Set<string>();

  const syncOnce = async () => {
    const start = performance.now();
    const podViews = pods
      .list()
      .map(podView)
      .filter((p): p is PodView => !!p);
    const p = plan({ nodeName: o.nodeName, pods: podViews, namespaces: namespaces.list().map(namespaceView), policies: policies.list().map(policyView) });
    for (const w of p.warnings) if (!warned.has(w)) log.warn(w);
    warned.clear();
    for (const w of p.warnings) warned.add(w);
    const r = render(table, p);
    let mode: 'full' | 'elements' | 'unchanged' = 'full';
    let script: string;
    if (applied && applied.structure === r.structure) {
      script = elementsScript(table, applied.elements, r);
      mode = script ? 'elements' : 'unchanged';
    } else script = fullScript(table, r);
    if (script) {
      try {
        await runNft(script, o.netns);
      } catch (e) {
        applied = undefined; // rebuild from scratch next time
        throw e;
      }
    }
    applied = r;
    syncs.inc({ mode });
    ruleGauge.set(r.ruleCount, { table });
    isolatedGauge.set(p.pods.filter((x) => x.ingress).length, { table, direction: 'ingress' });
    isolatedGauge.set(p.pods.filter((x) => x.egress).length, { table, direction: 'egress' });
    const durationMs = performance.now() - start;
    if (mode !== 'full') log.debug('network policy sets updated', { mode, durationMs });
    else log.info('network policy rules applied', { pods: p.pods.length, rules: r.ruleCount, durationMs: Math.round(durationMs) });
    o.onSync?.({ mode, durationMs, rules: r.ruleCount, rendered: r });
  };

  const runSync = () => {
    timer = undefined;
    if (stopped) return;
    if (running) {
      dirty = true;
      return;
    }
    dirty = false;
    const ws = waiters;
    waiters = [];
    const since = firstChange;
    firstChange = undefined;
    running = syncOnce()
      .then(
        () => {
          failures = 0;
          if (since !== undefined) programming.observe((performance.now() - since) / 1000, { table });
          for (const w of ws) w();
        },
        (e) => {
          failures++;
          syncs.inc({ mode: 'error' });
          log.error('applying network policy rules failed; retrying', { err: e, failures });
          firstChange ??= since;
          waiters.push(...ws);
          dirty = true;
        },
      )
      .finally(() => {
        running = undefined;
        if (dirty && !stopped) schedule(failures ? Math.min(500 * 2 ** (failures - 1), 30_000) : undefined);
      });
  };

  const schedule = (delay = o.debounceMs ?? 20) => {
    if (stopped || timer || !synced) return;
    timer = setTimeout(runSync, delay);
  };
  const changed = () => {
    firstChange ??= performance.now();
    dirty = true;
    schedule();
  };
  // Pod updates that cannot change the plan (status heartbeats, conditions) are skipped.
  const podKey = (x: KObject) => JSON.stringify(podView(x) ?? null);
  policies.addHandlers({ onAdd: changed, onUpdate: changed, onDelete: changed });
  namespaces.addHandlers({ onAdd: changed, onUpdate: (a, b) => JSON.stringify(a.metadata?.labels) !== JSON.stringify(b.metadata?.labels) && changed(), onDelete: changed });
  pods.addHandlers({ onAdd: changed, onUpdate: (a, b) => podKey(a) !== podKey(b) && changed(), onDelete: changed });
  informers.start();

  // Drop counters into the metric: read every few seconds, counted as increments since the last
  // read (a full replace starts the table's counters from zero again; whatever was dropped since
  // the last read before it is not counted).
  const lastDrops = new Map<string, number>();
  const readCounters = async () => {
    if (!applied?.ruleCount) return;
    const now = await readDropCounters(table, o.netns);
    for (const [key, c] of now) {
      const before = lastDrops.get(key) ?? 0;
      const delta = c.packets >= before ? c.packets - before : c.packets;
      if (delta > 0) dropCounter.inc({ table, namespace: c.namespace, pod: c.pod, direction: c.direction }, delta);
      lastDrops.set(key, c.packets);
    }
    for (const k of [...lastDrops.keys()]) if (!now.has(k)) lastDrops.delete(k);
  };
  const counterTimer = setInterval(() => void readCounters().catch((e) => log.debug('reading network policy counters failed', { err: e })), o.countersMs ?? 5000);
  counterTimer.unref();

  const ready = (async () => {
    if (!(await informers.waitForCacheSync())) return;
    synced = true;
    firstChange = undefined; // the initial lists are not changes to time
    dirty = true;
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      schedule(0);
    });
  })();

  return {
    table,
    ready,
    flush: () =>
      new Promise<void>((resolve) => {
        if (!dirty && !running && !timer) return resolve();
        waiters.push(resolve);
      }),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      clearInterval(counterTimer);
      for (const w of waiters) w();
      waiters = [];
      informers.close();
    },
  };
}

/** Removes a node's NetworkPolicy table (gifee reset). */
export async function removeNetworkPolicyTable(bridge?: string, netns?: string): Promise<void> {
  await runNft(deleteScript(netpolTableName(bridge)), netns);
}
