// Routes between nodes, host-gw style (flannel's host-gw, k3s --flannel-backend=host-gw): every
// node routes each OTHER node's pod CIDR via that node's InternalIP, so pods reach pods on other
// nodes by plain L3 forwarding, with no overlay. Level-triggered: the wanted routes are computed
// from the Node informer's cache and compared with the kernel's on every Node change and on a
// periodic resync (which also retries failures and repairs routes someone deleted).
//
// Ownership: routes carry ROUTE_PROTO, and the ones this agent installed are remembered in its
// data dir, so a restart removes the routes of nodes that left while it was down, and reset
// removes exactly this agent's routes, never another agent's in the same namespace (test nodes).
// On stop the routes stay: traffic keeps flowing across an agent restart, which re-syncs.

import type { Node, NodeSpec } from '../../api/core/index.js';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { KObject } from '../../api/kind.js';
import { isSimulatedNode, overlapsSimulatedPodCIDR } from '../../api/simulated-nodes.js';
import { EventRecorder } from '../../client/events.js';
import { informerScope, type InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import type { RestClient } from '../../client/rest.js';
import { logger, type Logger } from '../../util/log.js';
import { applyPodSourceTable, podSourceTableName, removePodSourceTable } from './pod-source-ips.js';
import { connectedNetworks, deletePodRoute, enableForwarding, listPodRoutes, localAddresses, replacePodRoute, RouteError, type PodRoute, type TableOptions } from './route-table.js';
import { logFailure } from '../../util/best-effort.js';

export { ROUTE_PROTO, type PodRoute } from './route-table.js';

export interface RouteControllerOptions {
  client: RestClient;
  /** The process's shared informers; without them this component keeps its own. */
  informers?: InformerFactory;
  /** This node: its own pod CIDR is on its bridge, not routed. */
  nodeName: string;
  log: Logger;
  /** The agent's data dir: the routes it installed are remembered under DATA/agent/routes.json. */
  dataDir?: string;
  /** How often routes are re-checked against the kernel's (default 30s). */
  resyncMs?: number;
  /** The agent's pod bridge: names its nftables table (pod IPs kept between nodes, pod-source-ips.ts). */
  bridge?: string;
  /** Tests: program a named network namespace instead of the agent's own. */
  table?: TableOptions;
}

export interface RouteController {
  /** Resolves after the first sync with a synced Node cache. */
  ready: Promise<void>;
  /** One sync now (also what the informer and the resync timer trigger). */
  sync(): Promise<void>;
  stop(): void;
}

/** Where an agent remembers the routes it installed. */
export const routesStateFile = (dataDir: string) => join(dataDir, 'agent', 'routes.json');

/** A route we want, for the node it leads to (events name the node). */
export interface WantedRoute extends PodRoute {
  node: string;
}

export interface SkippedNode {
  node: string;
  reason: string;
}

/**
 * The routes this node should have: one per other node with an IPv4 pod CIDR and an InternalIP.
 * Nodes on this very host (their IP is one of ours, or their CIDR is directly connected here, as
 * with several test agents in one namespace) need none. Simulated nodes (`gifee sim nodes`) get
 * none either, whatever they claim: their pods exist only as API objects, and a route to them would
 * send traffic where nothing answers, possibly off this machine.
 */
export function planRoutes(nodes: KObject[], self: string, local: Set<string>, connected: Set<string>): { wanted: WantedRoute[]; skipped: SkippedNode[] } {
  const wanted: WantedRoute[] = [];
  const skipped: SkippedNode[] = [];
  for (const n of nodes) {
    const name = String(n.metadata?.name ?? '');
    if (name === self || n.metadata?.deletionTimestamp) continue;
    const spec = (n.spec ?? {}) as NodeSpec;
    const dst = [spec.podCIDR, ...(spec.podCIDRs ?? [])].find((c): c is string => !!c && !c.includes(':'));
    const addrs = (n as Node).status?.addresses ?? [];
    const via = addrs.find((a) => a.type === 'InternalIP' && !a.address.includes(':'))?.address;
    if (!dst || !via) continue; // not ready for routing yet (IPAM or registration pending)
    if (isSimulatedNode(n)) skipped.push({ node: name, reason: 'it is a simulated node' });
    else if (overlapsSimulatedPodCIDR(dst)) skipped.push({ node: name, reason: `its pod CIDR ${dst} overlaps the simulated pods' range` });
    else if (via.startsWith('127.')) skipped.push({ node: name, reason: `its InternalIP ${via} is a loopback address` });
    else if (local.has(via)) skipped.push({ node: name, reason: `its InternalIP ${via} is an address of this host` });
    else if (connected.has(dst)) skipped.push({ node: name, reason: `its pod CIDR ${dst} is directly connected here` });
    else wanted.push({ node: name, dst, via });
  }
  return { wanted, skipped };
}

/** Every node's IPv4 pod CIDR, this node's included (simulated nodes' not): traffic between them keeps its pod source IPs. */
export function clusterPodCIDRs(nodes: KObject[]): string[] {
  const all = new Set<string>();
  for (const n of nodes) {
    if (isSimulatedNode(n)) continue;
    const spec = (n.spec ?? {}) as NodeSpec;
    for (const c of [spec.podCIDR, ...(spec.podCIDRs ?? [])]) if (c && !c.includes(':') && !overlapsSimulatedPodCIDR(c)) all.add(c);
  }
  return [...all].sort();
}

/** What to change: routes to add or move, and owned routes no longer wanted. */
export function diffRoutes(wanted: PodRoute[], current: PodRoute[], owned: Set<string>): { replace: PodRoute[]; remove: PodRoute[] } {
  const have = new Map(current.map((r) => [r.dst, r.via]));
  const want = new Set(wanted.map((r) => r.dst));
  return {
    replace: wanted.filter((r) => have.get(r.dst) !== r.via),
    remove: current.filter((r) => !want.has(r.dst) && owned.has(r.dst)),
  };
}

async function readOwned(file: string | undefined): Promise<PodRoute[]> {
  if (!file) return [];
  try {
    return (JSON.parse(await readFile(file, 'utf8')) as { routes?: PodRoute[] }).routes ?? [];
  } catch {
    return [];
  }
}

async function writeOwned(file: string | undefined, routes: PodRoute[]) {
  if (!file) return;
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify({ routes }, null, 1));
  await rename(`${file}.tmp`, file);
}

export function startRouteController(o: RouteControllerOptions): RouteController {
  const log = o.log;
  const stateFile = o.dataDir ? routesStateFile(o.dataDir) : undefined;
  const informers = informerScope(o, 'routes');
  const informer = informers.informer(R.nodes);
  const recorder = new EventRecorder(o.client, 'route-controller', log.child({ part: 'events' }), o.nodeName);
  const owned = new Map<string, PodRoute>(); // dst -> route this agent installed (and may remove)
  const failures = new Map<string, string>(); // dst -> last error, so a failure is reported once, not every resync
  const skippedBefore = new Map<string, string>();
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let pending = false;
  let loaded = false;
  const podIPsTable = podSourceTableName(o.bridge);
  let podCIDRsApplied: string | undefined;

  const syncOnce = async () => {
    if (!loaded) {
      for (const r of await readOwned(stateFile)) owned.set(r.dst, r);
      loaded = true;
    }
    const [local, connected, current] = await Promise.all([localAddresses(o.table), connectedNetworks(o.table), listPodRoutes(o.table)]);
    const nodes = informer.list();
    const podCIDRs = clusterPodCIDRs(nodes);
    if (podCIDRs.join() !== podCIDRsApplied) {
      try {
        await applyPodSourceTable(podIPsTable, podCIDRs, o.table);
        podCIDRsApplied = podCIDRs.join();
      } catch (e) {
        log.warn("could not program the pod CIDRs whose traffic keeps pod IPs: traffic to other nodes' pods is masqueraded", { table: podIPsTable, err: e });
      }
    }
    const { wanted, skipped } = planRoutes(nodes, o.nodeName, local, connected);
    for (const s of skipped) {
      if (skippedBefore.get(s.node) !== s.reason) log.info('no route to node needed', { node: s.node, reason: s.reason });
    }
    skippedBefore.clear();
    for (const s of skipped) skippedBefore.set(s.node, s.reason);
    const { replace, remove } = diffRoutes(wanted, current, new Set(owned.keys()));
    for (const r of remove) {
      try {
        await deletePodRoute(r, o.table);
        owned.delete(r.dst);
        log.info('route removed: its node left or changed', { dst: r.dst, via: r.via });
      } catch (e) {
        log.warn('could not remove route', { dst: r.dst, via: r.via, err: e });
      }
    }
    // A route we installed that is gone from the kernel and no longer wanted is no longer ours.
    const inKernel = new Set(current.map((r) => r.dst));
    for (const dst of [...owned.keys()]) if (!inKernel.has(dst) && !wanted.some((w) => w.dst === dst)) owned.delete(dst);
    const wantedDst = new Set(wanted.map((w) => w.dst));
    for (const dst of [...failures.keys()]) if (!wantedDst.has(dst)) failures.delete(dst);
    for (const w of wanted) {
      const route = { dst: w.dst, via: w.via };
      if (!replace.some((r) => r.dst === w.dst)) {
        owned.set(w.dst, route); // already right (e.g. installed by this agent's previous run)
        continue;
      }
      // Remembered before the kernel has it: a crash in between must not leave a route nobody owns.
      owned.set(w.dst, route);
      await writeOwned(stateFile, [...owned.values()]);
      try {
        await replacePodRoute(route, o.table);
        failures.delete(w.dst);
        log.info('route to node set', { node: w.node, dst: w.dst, via: w.via });
      } catch (e) {
        if (!inKernel.has(w.dst)) owned.delete(w.dst);
        const msg = e instanceof RouteError ? e.message : String((e as Error).message ?? e);
        if (failures.get(w.dst) !== msg) {
          failures.set(w.dst, msg);
          log.warn('could not add route to node', { node: w.node, dst: w.dst, via: w.via, err: msg });
          const node = informer.get(w.node);
          if (node) recorder.record({ ...node, kind: 'Node', apiVersion: 'v1' }, 'Warning', 'FailedToCreateRoute', `node ${o.nodeName}: ${msg}`);
        }
      }
    }
    await writeOwned(stateFile, [...owned.values()]);
  };

  // Serialized, and coalesced: a burst of Node updates costs one sync after the current one.
  const sync = (): Promise<void> => {
    if (stopped) return running;
    if (pending) return running;
    pending = true;
    running = running.then(async () => {
      pending = false;
      if (stopped || !informer.hasSynced()) return;
      await syncOnce().catch((e) => log.warn('route sync failed', { err: e }));
    });
    return running;
  };

  informer.addHandlers({ onAdd: () => void sync(), onUpdate: () => void sync(), onDelete: () => void sync() });
  informers.start();
  const timer = setInterval(() => void sync(), o.resyncMs ?? 30_000);
  timer.unref();
  const ready = (async () => {
    if (!o.table?.netns) {
      const { changed } = await enableForwarding().catch((e) => {
        log.warn('could not enable IPv4 forwarding: pods will not reach pods on other nodes', { err: e });
        return { changed: false };
      });
      if (changed) log.info('enabled IPv4 forwarding (net.ipv4.ip_forward=1) for routes between nodes');
    }
    await informer.waitForSync();
    await sync();
  })();
  return {
    ready,
    sync,
    stop() {
      stopped = true;
      clearInterval(timer);
      informers.close();
    },
  };
}

/** Removes the routes the agent with this data dir and pod bridge installed, and its nftables table (for reset; a stop leaves them). Run it in the agent's network namespace. */
export async function removeRoutes(dataDir: string, o: { bridge?: string; log?: Logger } & TableOptions = {}): Promise<void> {
  const table: TableOptions = { netns: o.netns };
  const log = o.log ?? logger('agent');
  await removePodSourceTable(podSourceTableName(o.bridge), table).catch(logFailure(log, 'removing the pod source-address table', { bridge: o.bridge }));
  const file = routesStateFile(dataDir);
  const owned = await readOwned(file);
  if (!owned.length) return;
  const current = await listPodRoutes(table).catch(() => [] as PodRoute[]);
  for (const r of current) if (owned.some((x) => x.dst === r.dst)) await deletePodRoute(r, table).catch(logFailure(log, "deleting a route to another node's pods", { dst: r.dst }));
  await writeOwned(file, []);
}
