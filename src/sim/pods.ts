// The pods of simulated nodes, handled like a kubelet would (without containers): a pod bound to one
// of our nodes goes Running and Ready with a pod IP from the simulated pods' range (198.18.0.0/15,
// src/api/simulated-nodes.ts: never routed, skipped by service proxies); one being deleted is
// finalized (DELETE with grace period 0); one annotated to exit completes after that time. One watch
// of all pods serves every simulated node (filtered in memory by spec.nodeName), so thousands of
// nodes cost one watch, not thousands.

import { SIMULATED_POD_CIDR } from '../api/simulated-nodes.js';
import type { InformerLike } from '../client/informer.js';
import type { InformerFactory, InformerScope } from '../client/informer-factory.js';
import { byNodeName, INDEX_NODE_NAME, keyOf } from '../client/indexer.js';
import { R } from '../client/resources.js';
import { isNotFound, type RestClient } from '../client/rest.js';
import { WorkQueue } from '../client/workqueue.js';
import type { Logger } from '../util/log.js';
import { IpPool } from './ip-pool.js';
import { plannedExit, runningStatus, terminatedStatus, type Placement, type SimPod } from './pod-status.js';

export interface SimNodeInfo {
  hostIP: string;
}

export class SimPods {
  private scope: InformerScope;
  private informer: InformerLike;
  private queue = new WorkQueue<string>({ baseDelayMs: 50, maxDelayMs: 30_000 });
  private running = false;
  /** Where each pod of ours runs (by uid): its IP and start, stable across repeated reconciles. */
  private placements = new Map<string, Placement & { pool?: IpPool }>();
  /** One pool for every simulated node: 131,069 pod IPs, shared (nodes get no pod CIDR of their own). */
  private pool = new IpPool(SIMULATED_POD_CIDR);

  constructor(
    private client: RestClient,
    informers: InformerFactory,
    private log: Logger,
    private nodeInfo: (name: string) => SimNodeInfo | undefined,
    private workers = 16,
    /** Told when a pod is gone or its containers stopped (ends log follows, drops its log files). */
    private onPodStopped: (uid: string) => void = () => {},
  ) {
    // The process's shared pod cache, indexed by node: a node's pods (its stats, its endpoint) are an index lookup, not a scan of every pod.
    this.scope = informers.scope('sim-pods');
    this.informer = this.scope.informer(R.pods, {}, { [INDEX_NODE_NAME]: byNodeName });
    const maybe = (p: SimPod) => {
      if (p.spec?.nodeName && this.nodeInfo(p.spec.nodeName)) this.queue.add(keyOf(p));
    };
    this.informer.addHandlers({
      onAdd: (p) => maybe(p as SimPod),
      onUpdate: (_, p) => maybe(p as SimPod),
      onDelete: (p) => this.forget(p as SimPod),
    });
  }

  async start() {
    this.running = true;
    this.scope.start();
    for (let i = 0; i < this.workers; i++) void this.work();
    await this.scope.waitForCacheSync();
  }

  stop() {
    this.running = false;
    this.scope.close();
    this.queue.shutdown();
  }

  /** A pod bound to one of our nodes, as cached. */
  get(namespace: string, name: string): SimPod | undefined {
    const p = this.informer.get(`${namespace}/${name}`) as SimPod | undefined;
    return p && this.nodeInfo(p.spec?.nodeName ?? '') ? p : undefined;
  }

  /** The cached pods bound to one node of ours. */
  onNode(node: string): SimPod[] {
    if (!this.nodeInfo(node)) return [];
    return this.informer.byIndex(INDEX_NODE_NAME, node) as SimPod[];
  }

  /** Pods of ours the cache holds (for tests and progress reports). */
  count(): number {
    return this.informer.list().filter((p) => this.nodeInfo((p as SimPod).spec?.nodeName ?? '')).length;
  }

  private async work() {
    while (this.running) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.reconcile(key);
        this.queue.forget(key);
      } catch (e) {
        if (this.running) {
          const delay = this.queue.addRateLimited(key);
          this.log.debug('sim pod sync failed; retrying', { pod: key, err: e, retryInMs: delay });
        }
      } finally {
        this.queue.done(key);
      }
    }
  }

  private forget(p: SimPod) {
    this.onPodStopped(p.metadata?.uid ?? '');
    const placed = this.placements.get(p.metadata?.uid ?? '');
    if (!placed) return;
    this.releaseIP(placed);
    this.placements.delete(p.metadata!.uid!);
  }

  /** Give a pod's IP back (once): when it is deleted, or when its containers exited (sandbox gone). */
  private releaseIP(placed: Placement & { pool?: IpPool }) {
    placed.pool?.release(placed.podIP);
    placed.pool = undefined;
  }

  private place(pod: SimPod, node: SimNodeInfo): Placement {
    const uid = pod.metadata!.uid!;
    let placed = this.placements.get(uid);
    if (!placed) {
      // A pod already running (we restarted) keeps the IP and start time it reported.
      const reportedStart = pod.status?.containerStatuses?.[0]?.state?.running?.startedAt ?? pod.status?.startTime;
      const reportedIP = pod.status?.podIP;
      let pool: IpPool | undefined;
      let podIP: string;
      // hostNetwork pods too: their IP would be the node's (127.0.0.1), and a Service of them would
      // send real traffic to a real node's own loopback. In the range, every proxy skips them.
      if (reportedIP && this.pool.owns(reportedIP)) {
        pool = this.pool;
        pool.reserve((podIP = reportedIP));
      } else {
        // A new pod, or one that reported an IP outside the range (placed by an older gifee sim): a new IP.
        const ip = this.pool.allocate();
        if (!ip) throw new Error(`no pod IPs left in ${SIMULATED_POD_CIDR} for simulated pods`);
        pool = this.pool;
        podIP = ip;
      }
      placed = { podIP, hostIP: node.hostIP, startedAt: reportedStart ? Date.parse(reportedStart) : Date.now(), pool };
      this.placements.set(uid, placed);
    }
    return placed;
  }

  private async reconcile(key: string) {
    const pod = this.informer.get(key) as SimPod | undefined;
    if (!pod) return;
    const md = pod.metadata!;
    const node = this.nodeInfo(pod.spec?.nodeName ?? '');
    if (!node) return;
    if (md.deletionTimestamp) {
      if (md.deletionGracePeriodSeconds === 0) return; // already finalized; finalizers of others hold it
      // Containers "stop" at once: remove the pod, as a kubelet does once they have.
      await this.client.delete(R.pods, md.namespace, md.name!, { gracePeriodSeconds: 0, preconditions: { uid: md.uid } }).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
      this.forget(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const placed = this.place(pod, node);
    const exit = plannedExit(pod);
    if (exit) {
      const exitAt = placed.startedAt + exit.afterMs;
      if (Date.now() >= exitAt) {
        await this.writeStatus(pod, terminatedStatus(pod, placed, exit.exitCode, Math.max(exitAt, placed.startedAt)));
        this.releaseIP(placed);
        this.onPodStopped(md.uid!);
        return;
      }
      this.queue.addAfter(key, exitAt - Date.now());
    }
    // Already reported (and not since marked unready by someone else, e.g. the node lifecycle controller).
    const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    if (phase === 'Running' && ready && pod.status?.podIP === placed.podIP && pod.status.hostIP === placed.hostIP) return;
    await this.writeStatus(pod, runningStatus(pod, placed));
  }

  private async writeStatus(pod: SimPod, status: object) {
    const md = pod.metadata!;
    try {
      await this.client.patch(R.pods, md.namespace, md.name!, { status }, 'merge', 'status');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
