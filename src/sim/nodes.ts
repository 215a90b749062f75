// Simulated ("hollow") nodes, as kwok does: N Nodes registered with capacity and a Ready status,
// kept alive by node Lease heartbeats, whose pods go Running without any container. One process
// serves thousands of nodes: one node watch, one pod watch, batched heartbeats.

import { hostname } from 'node:os';
import type { KObject } from '../api/kind.js';
import { Informer } from '../client/informer.js';
import { R } from '../client/resources.js';
import { isNotFound, RestClient, StatusError, type ClientConfig } from '../client/rest.js';
import { logger, type Logger } from '../util/log.js';
import { Heartbeats } from './heartbeats.js';
import { SIM_MANAGED_BY, simNode, simNodeIP, simNodeStatus, type SimNodeShape } from './node-object.js';
import { SimPods, type SimNodeInfo } from './pods.js';
import { forEachLimited } from './pool.js';

export interface SimNodesOptions {
  client: ClientConfig;
  count: number;
  /** Node names are prefix + index: sim-0, sim-1, ... */
  namePrefix?: string;
  /** First index (so several sim processes can share a prefix). */
  startIndex?: number;
  shape?: Partial<SimNodeShape>;
  /** Node Lease renewal period (kubelet: 10s) and the lease's duration (kubelet: 40s). */
  leaseRenewIntervalMs?: number;
  leaseDurationSeconds?: number;
  /** Requests in flight at once while registering and heartbeating. */
  concurrency?: number;
  /** Delete the nodes (and their leases) on stop(). */
  cleanup?: boolean;
  log?: Logger;
}

export interface SimNodes {
  nodes: string[];
  /** Pods bound to these nodes, as currently cached. */
  podCount(): number;
  stop(): Promise<void>;
}

type NodeObj = KObject & { spec?: { podCIDR?: string }; status?: { conditions?: { type: string; status: string }[] } };

export async function startSimNodes(opts: SimNodesOptions): Promise<SimNodes> {
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new Error(`sim nodes: count must be a positive whole number, not ${opts.count}`);
  const log = opts.log ?? logger('sim-nodes');
  const prefix = opts.namePrefix ?? 'sim-';
  const first = opts.startIndex ?? 0;
  const shape: SimNodeShape = { cpu: '8', memory: '32Gi', pods: '110', ...opts.shape };
  const concurrency = opts.concurrency ?? 32;
  const owner = `${hostname()}/${process.pid}`;
  const client = new RestClient({ ...opts.client, userAgent: opts.client.userAgent ?? 'gifee-sim-nodes' });
  const started = Date.now();

  // Our nodes by name: index (for addresses) and what the pods need (host IP, podCIDR as IPAM sets it).
  const ours = new Map<string, { index: number; info: SimNodeInfo }>();
  for (let i = first; i < first + opts.count; i++) ours.set(`${prefix}${i}`, { index: i, info: { hostIP: simNodeIP(i) } });

  const heartbeats = new Heartbeats(client, log, { intervalMs: opts.leaseRenewIntervalMs ?? 10_000, leaseDurationSeconds: opts.leaseDurationSeconds ?? 40, concurrency });
  const stopAll: (() => void)[] = [];
  try {
    heartbeats.start();
    stopAll.push(() => heartbeats.stop());
    await forEachLimited(ours, concurrency, async ([name, { index }]) => {
      const uid = await register(client, name, index, shape, owner);
      await heartbeats.add(name, uid);
    });
    log.info('sim nodes registered', { count: opts.count, first: `${prefix}${first}`, last: `${prefix}${first + opts.count - 1}`, ms: Date.now() - started });

    // One node watch: podCIDRs as node IPAM assigns them, and our Ready status if someone else changed it.
    const nodes = new Informer(client, R.nodes, log.child({ informer: 'nodes' }));
    const onNode = (o: KObject) => {
      const mine = ours.get(o.metadata!.name!);
      if (!mine) return;
      const n = o as NodeObj;
      mine.info.podCIDR = n.spec?.podCIDR;
      // The node lifecycle controller marks a node NotReady/Unknown when heartbeats stopped; a
      // kubelet that is back reports Ready again.
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready && ready.status !== 'True') void postStatus(client, n.metadata!.name!, mine.index, shape).catch((e) => log.debug('node status update failed', { node: n.metadata!.name, err: e }));
    };
    // A node deleted from under a running kubelet registers again; so does ours.
    let stopping = false;
    stopAll.push(() => (stopping = true));
    const onNodeDeleted = (o: KObject) => {
      const mine = ours.get(o.metadata!.name!);
      if (!mine || stopping) return;
      const name = o.metadata!.name!;
      mine.info.podCIDR = undefined;
      void register(client, name, mine.index, shape, owner)
        .then((uid) => (stopping ? undefined : heartbeats.add(name, uid)))
        .then(() => log.info('sim node was deleted; registered it again', { node: name }))
        .catch((e) => log.warn('could not register a deleted sim node again', { node: name, err: e }));
    };
    nodes.addHandlers({ onAdd: onNode, onUpdate: (_, o) => onNode(o), onDelete: onNodeDeleted });
    nodes.start();
    stopAll.push(() => nodes.stop());
    await nodes.waitForSync();

    const pods = new SimPods(client, log, (name) => ours.get(name)?.info);
    await pods.start();
    stopAll.push(() => pods.stop());
    log.info('sim nodes running', { count: opts.count, ms: Date.now() - started });

    return {
      nodes: [...ours.keys()],
      podCount: () => pods.count(),
      stop: async () => {
        for (const s of stopAll.reverse()) s();
        if (opts.cleanup) {
          await forEachLimited(ours.keys(), concurrency, async (name) => {
            await client.delete(R.nodes, undefined, name).catch((e) => (isNotFound(e) ? undefined : log.warn('could not delete sim node', { node: name, err: e })));
            await client.delete(R.leases, 'kube-node-lease', name).catch(() => undefined);
          });
          log.info('sim nodes deleted', { count: opts.count });
        }
        client.close();
      },
    };
  } catch (e) {
    for (const s of stopAll.reverse()) s();
    client.close();
    throw e;
  }
}

/** Create the Node (or take over an existing one of the same name) with a Ready status; its uid. */
async function register(client: RestClient, name: string, index: number, shape: SimNodeShape, owner: string): Promise<string> {
  let node: NodeObj;
  try {
    node = (await client.create(R.nodes, undefined, simNode(name, index, shape, owner))) as NodeObj;
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 409)) throw e;
    node = (await client.get(R.nodes, undefined, name)) as NodeObj;
    const managedBy = node.metadata?.annotations?.[SIM_MANAGED_BY];
    if (!managedBy && node.metadata?.labels?.type !== 'sim') {
      throw new Error(`node ${name} exists and is not a simulated node; pick another --name-prefix`);
    }
  }
  // Status from create is kept by some servers and reset by others: post it to be sure.
  if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True' || node.metadata?.annotations?.[SIM_MANAGED_BY] !== owner) {
    await postStatus(client, name, index, shape);
    if (node.metadata?.annotations?.[SIM_MANAGED_BY] !== owner) await client.patch(R.nodes, undefined, name, { metadata: { annotations: { [SIM_MANAGED_BY]: owner } } }, 'merge');
  }
  return node.metadata!.uid!;
}

function postStatus(client: RestClient, name: string, index: number, shape: SimNodeShape) {
  return client.patch(R.nodes, undefined, name, { status: simNodeStatus(name, index, shape) }, 'merge', 'status');
}
