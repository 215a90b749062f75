// Simulated ("hollow") nodes, as kwok does: N Nodes registered with capacity and a Ready status,
// kept alive by node Lease heartbeats, whose pods go Running without any container. One process
// serves thousands of nodes: one node watch, one pod watch, batched heartbeats, and one kubelet
// endpoint on 127.0.0.1 for all of them (logs, exec, attach, port-forward answered like kwok's).
// Nothing about them points off this machine (src/api/simulated-nodes.ts).

import type { Node } from '../api/core/index.js';
import { hostname } from 'node:os';
import type { KObject } from '../api/kind.js';
import { InformerFactory } from '../client/informer-factory.js';
import { R } from '../client/resources.js';
import { isNotFound, RestClient, StatusError, type ClientConfig } from '../client/rest.js';
import { logger, type Logger } from '../util/log.js';
import { Heartbeats } from './heartbeats.js';
import { isSimulatedNode, SIMULATED_NODE_IP, SIMULATED_NODE_LABEL } from '../api/simulated-nodes.js';
import { startSimKubelet, type SimKubelet, type SimKubeletCredentials } from './kubelet-endpoint.js';
import { SIM_MANAGED_BY, simNode, simNodeStatus, type SimNodeShape } from './node-object.js';
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
  /** How the nodes' kubelet endpoint (on 127.0.0.1) gets its certificates and checks its callers. */
  kubelet: SimKubeletCredentials & { port?: number };
  log?: Logger;
}

export interface SimNodes {
  nodes: string[];
  /** The kubelet endpoint's port on 127.0.0.1 (every node's status.daemonEndpoints.kubeletEndpoint.Port). */
  kubeletPort: number;
  /** Pods bound to these nodes, as currently cached. */
  podCount(): number;
  stop(): Promise<void>;
}

type NodeObj = Node;

export async function startSimNodes(opts: SimNodesOptions): Promise<SimNodes> {
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new Error(`sim nodes: count must be a positive whole number, not ${opts.count}`);
  // The API server sends the node's name as the TLS server name, which cannot be an IP address.
  const ipLike = /^\d+\.\d+\.\d+\.\d+$/;
  const log = opts.log ?? logger('sim-nodes');
  const prefix = opts.namePrefix ?? 'sim-';
  const first = opts.startIndex ?? 0;
  const shape: SimNodeShape = { cpu: '8', memory: '32Gi', pods: '110', ...opts.shape };
  const concurrency = opts.concurrency ?? 32;
  const owner = `${hostname()}/${process.pid}`;
  const client = new RestClient({ ...opts.client, userAgent: opts.client.userAgent ?? 'gifee-sim-nodes' });
  const started = Date.now();

  // Our nodes by name, with what their pods need (the host IP: loopback, as every address of theirs).
  const ours = new Map<string, SimNodeInfo>();
  for (let i = first; i < first + opts.count; i++) {
    const name = `${prefix}${i}`;
    if (ipLike.test(name)) throw new Error(`sim nodes: node name ${name} looks like an IP address; pick another --name-prefix`);
    ours.set(name, { hostIP: SIMULATED_NODE_IP });
  }

  const heartbeats = new Heartbeats(client, log, { intervalMs: opts.leaseRenewIntervalMs ?? 10_000, leaseDurationSeconds: opts.leaseDurationSeconds ?? 40, concurrency });
  const stopAll: (() => void)[] = [];
  let pods: SimPods | undefined;
  let kubelet: SimKubelet | undefined;
  try {
    // The endpoint first: its port goes into every Node's status.
    kubelet = await startSimKubelet({ ...opts.kubelet, client, isOurs: (name) => ours.has(name), shape, pods: { get: (ns, name) => pods?.get(ns, name), onNode: (node) => pods?.onNode(node) ?? [] }, log });
    const port = kubelet.port;
    heartbeats.start();
    stopAll.push(() => heartbeats.stop());
    await forEachLimited(ours.keys(), concurrency, async (name) => {
      const uid = await register(client, name, shape, owner, port);
      await heartbeats.add(name, uid);
    });
    log.info('sim nodes registered', { count: opts.count, first: `${prefix}${first}`, last: `${prefix}${first + opts.count - 1}`, ms: Date.now() - started });

    // One factory for this process's caches (nodes, pods), as every other component shares its own.
    const informers = new InformerFactory(client, log);
    stopAll.push(() => informers.stop());
    // One node watch: our Ready status if someone else changed it.
    const nodeScope = informers.scope('sim-nodes');
    const nodes = nodeScope.informer(R.nodes);
    const onNode = (o: KObject) => {
      if (!ours.has(o.metadata!.name!)) return;
      const n = o as NodeObj;
      // The node lifecycle controller marks a node NotReady/Unknown when heartbeats stopped; a
      // kubelet that is back reports Ready again.
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready && ready.status !== 'True') void postStatus(client, n.metadata!.name!, shape, port).catch((e) => log.debug('node status update failed', { node: n.metadata!.name, err: e }));
    };
    // A node deleted from under a running kubelet registers again; so does ours.
    let stopping = false;
    stopAll.push(() => (stopping = true));
    const onNodeDeleted = (o: KObject) => {
      const name = o.metadata!.name!;
      if (!ours.has(name) || stopping) return;
      void register(client, name, shape, owner, port)
        .then((uid) => (stopping ? undefined : heartbeats.add(name, uid)))
        .then(() => log.info('sim node was deleted; registered it again', { node: name }))
        .catch((e) => log.warn('could not register a deleted sim node again', { node: name, err: e }));
    };
    nodes.addHandlers({ onAdd: onNode, onUpdate: (_, o) => onNode(o), onDelete: onNodeDeleted });
    nodeScope.start();
    stopAll.push(() => nodeScope.close());
    await nodeScope.waitForCacheSync();

    const kubeletTarget = kubelet.target;
    const simPods = new SimPods(
      client,
      informers,
      log,
      (name) => ours.get(name),
      16,
      (uid) => kubeletTarget.forget(uid),
    );
    pods = simPods;
    await simPods.start();
    stopAll.push(() => simPods.stop());
    log.info('sim nodes running', { count: opts.count, ms: Date.now() - started });

    const endpoint = kubelet;
    return {
      nodes: [...ours.keys()],
      kubeletPort: port,
      podCount: () => simPods.count(),
      stop: async () => {
        for (const s of stopAll.reverse()) s();
        await endpoint.close();
        if (opts.cleanup) {
          await forEachLimited(ours.keys(), concurrency, async (name) => {
            await client.delete(R.nodes, undefined, name).catch((e) => (isNotFound(e) ? undefined : log.warn('could not delete sim node', { node: name, err: e })));
            await client.delete(R.leases, 'kube-node-lease', name).catch((e) => (isNotFound(e) ? undefined : log.warn('could not delete sim node lease', { node: name, err: e })));
          });
          log.info('sim nodes deleted', { count: opts.count });
        }
        client.close();
      },
    };
  } catch (e) {
    for (const s of stopAll.reverse()) s();
    await kubelet?.close();
    client.close();
    throw e;
  }
}

/** Create the Node (or take over an existing one of the same name) with a Ready status; its uid. */
async function register(client: RestClient, name: string, shape: SimNodeShape, owner: string, kubeletPort: number): Promise<string> {
  let node: NodeObj;
  try {
    node = (await client.create(R.nodes, undefined, simNode(name, shape, owner, kubeletPort))) as NodeObj;
  } catch (e) {
    if (!(e instanceof StatusError && e.code === 409)) throw e;
    node = (await client.get(R.nodes, undefined, name)) as NodeObj;
    const managedBy = node.metadata?.annotations?.[SIM_MANAGED_BY];
    if (!managedBy && node.metadata?.labels?.type !== 'sim' && !isSimulatedNode(node)) {
      throw new Error(`node ${name} exists and is not a simulated node; pick another --name-prefix`);
    }
  }
  // Status from create is kept by some servers and reset by others: post it to be sure. A node taken
  // over from another process gets this process's kubelet port (and, from an older gifee, the
  // loopback address and the simulated marker).
  if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True' || node.metadata?.annotations?.[SIM_MANAGED_BY] !== owner) {
    await postStatus(client, name, shape, kubeletPort);
    if (node.metadata?.annotations?.[SIM_MANAGED_BY] !== owner || node.metadata?.labels?.[SIMULATED_NODE_LABEL] !== 'true') {
      await client.patch(R.nodes, undefined, name, { metadata: { annotations: { [SIM_MANAGED_BY]: owner }, labels: { [SIMULATED_NODE_LABEL]: 'true' } } }, 'merge');
    }
  }
  return node.metadata!.uid!;
}

function postStatus(client: RestClient, name: string, shape: SimNodeShape, kubeletPort: number) {
  return client.patch(R.nodes, undefined, name, { status: simNodeStatus(name, shape, kubeletPort) }, 'merge', 'status');
}
