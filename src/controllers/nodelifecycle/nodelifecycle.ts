// The node lifecycle controller: a node whose agent stops renewing its Lease in kube-node-lease
// (or posting status) for nodeMonitorGracePeriod gets its conditions set to Unknown
// ("Kubelet stopped posting node status."), its pods marked not Ready, and the readiness taints
// (unreachable for Unknown, not-ready for False; NoSchedule and NoExecute) that follow its Ready
// condition; the taints go when the node is Ready again. NoExecute taints evict pods: at once
// without a matching toleration, after tolerationSeconds with one.
// The grace period is an option (default 40s, as Kubernetes; GIFEE_NODE_MONITOR_GRACE_MS through the CLI).

import type { Lease, Node, Pod } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, type InformerLike } from '../../client/informer.js';
import { byNodeName, INDEX_NODE_NAME } from '../../client/indexer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isConflict, isNotFound, type RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';
import { isReady, nowRfc3339 } from '../util/pod-state.js';
import { desiredTaints, evictionTime, nodeUpdateMatters, readyStatus } from './taints.js';

const LEASE_NS = 'kube-node-lease';
const CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export class NodeLifecycleController extends Controller {
  private nodes: InformerLike;
  private leases: InformerLike;
  private pods: InformerLike;
  private events: EventRecorder;
  /** When this controller last saw each node's heartbeat change (its own clock, as Kubernetes does). */
  private probes = new Map<string, { heartbeat: string; at: number }>();
  private monitor?: NodeJS.Timeout;
  private readonly graceMs: number;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
    opts: { monitorGraceMs?: number } = {},
  ) {
    super('nodelifecycle', log, factory, 2);
    this.graceMs = opts.monitorGraceMs ?? 40_000;
    this.events = new EventRecorder(client, 'node-controller', log);
    this.nodes = this.informers.informer(R.nodes);
    this.leases = this.informers.informer(R.leases, { namespace: LEASE_NS });
    this.pods = this.informers.informer(R.pods, {}, { [INDEX_NODE_NAME]: byNodeName });
    // Only updates that change what this controller acts on enqueue: heartbeats (Node status posts,
    // Lease renewals) do not, or every node is reconciled on every beat. The periodic monitor
    // (onCachesSynced) re-checks every node and is what notices heartbeats, present or missing.
    this.nodes.addHandlers({
      onAdd: (o) => this.queue.add(o.metadata!.name!),
      onUpdate: (old, o) => {
        if (nodeUpdateMatters(old, o)) this.queue.add(o.metadata!.name!);
      },
      onDelete: (o) => this.probes.delete(o.metadata!.name!),
    });
    // A pod just bound to a node: that node's taints may call for its eviction.
    const nodeOf = (p: KObject | undefined) => (p as Pod | undefined)?.spec?.nodeName;
    this.watch(this.pods, (old, o) => (old && o && nodeOf(o) && !nodeOf(old) ? nodeOf(o) : undefined));
  }

  /**
   * The node monitor (Kubernetes' nodeMonitorPeriod): every node is reconciled every grace/8 (200 ms
   * to 5 s), which records a changed heartbeat with this controller's clock or, once none has
   * changed for the grace period, marks the node Unknown. The Lease informer only feeds heartbeat().
   */
  protected override async onCachesSynced() {
    const every = Math.max(200, Math.min(5000, this.graceMs / 8));
    this.monitor = setInterval(() => {
      for (const n of this.nodes.list()) this.queue.add(n.metadata!.name!);
    }, every);
    this.monitor.unref();
  }

  protected override onStop() {
    clearInterval(this.monitor);
  }

  /** The heartbeat: the Lease's renewTime, else the Ready condition's lastHeartbeatTime. */
  private heartbeat(node: KObject): string {
    const lease = this.leases.get(`${LEASE_NS}/${node.metadata!.name}`);
    const renew = (lease as Lease | undefined)?.spec?.renewTime ?? '';
    const ready = ((node as Node).status?.conditions ?? []).find((c) => c.type === 'Ready');
    return `${renew}|${ready?.lastHeartbeatTime ?? ''}`;
  }

  protected async reconcile(name: string) {
    let node = this.nodes.get(name);
    if (!node) return;
    const now = Date.now();
    const beat = this.heartbeat(node);
    const probe = this.probes.get(name);
    if (!probe || probe.heartbeat !== beat) this.probes.set(name, { heartbeat: beat, at: now });
    const silentFor = now - this.probes.get(name)!.at;

    if (silentFor > this.graceMs && readyStatus(node) !== 'Unknown') {
      node = await this.markUnknown(node);
    }
    node = await this.syncTaints(node);
    await this.evict(node, now);
  }

  private async markUnknown(node: KObject): Promise<KObject> {
    const name = node.metadata!.name!;
    const ts = nowRfc3339();
    const existing = (node as Node).status?.conditions ?? [];
    const conditions = CONDITIONS.map((type) => {
      const c = existing.find((x) => x.type === type);
      return { type, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: c?.lastHeartbeatTime ?? ts, lastTransitionTime: ts };
    });
    const merged = [...existing.filter((c) => !CONDITIONS.includes(c.type)), ...conditions];
    this.log.warn('node stopped posting status; marking it Unknown', { node: name, graceMs: this.graceMs });
    const updated = await this.client.update(R.nodes, { ...node, status: { ...(node.status as object), conditions: merged } }, 'status');
    this.events.record(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
    // Pods on the node are not Ready any more: nobody can vouch for them.
    for (const pod of this.podsOn(name)) {
      if (!isReady(pod)) continue;
      const conds = ((pod as Pod).status!.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: ts } : c));
      await this.client.patch(R.pods, pod.metadata!.namespace, pod.metadata!.name!, { status: { conditions: conds } }, 'strategic', 'status').catch(ignoreGone);
      this.events.record(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
    }
    return updated;
  }

  private async syncTaints(node: KObject): Promise<KObject> {
    const current = (node as Node).spec?.taints ?? [];
    const want = desiredTaints(node, nowRfc3339());
    if (deepEqual(current, want)) return node;
    this.log.info('updating readiness taints', { node: node.metadata!.name, ready: readyStatus(node), taints: want.map((t) => `${t.key}:${t.effect}`) });
    return this.client.patch(
      R.nodes,
      undefined,
      node.metadata!.name!,
      [
        { op: 'test', path: '/metadata/resourceVersion', value: node.metadata!.resourceVersion },
        { op: 'add', path: '/spec/taints', value: want },
      ],
      'json',
    );
  }

  private podsOn(node: string): KObject[] {
    return this.pods.byIndex(INDEX_NODE_NAME, node).filter((p) => !p.metadata?.deletionTimestamp);
  }

  /** NoExecute eviction (the taint manager): delete now, or come back when tolerationSeconds ends. */
  private async evict(node: KObject, now: number) {
    const taints = ((node as Node).spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (!taints.length) return;
    let soonest: number | undefined;
    for (const pod of this.podsOn(node.metadata!.name!)) {
      const at = evictionTime(taints, (pod as Pod).spec!.tolerations, now);
      if (at === undefined) continue;
      if (at <= now) {
        this.log.info('evicting pod from a NoExecute-tainted node', { pod: keyOf(pod), node: node.metadata!.name });
        this.events.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${keyOf(pod)}`);
        await this.client.delete(R.pods, pod.metadata!.namespace, pod.metadata!.name!, { preconditions: { uid: pod.metadata!.uid } }).catch(ignoreGone);
      } else soonest = soonest === undefined ? at : Math.min(soonest, at);
    }
    if (soonest !== undefined) this.queue.addAfter(node.metadata!.name!, soonest - now + 10);
  }
}

function ignoreGone(e: unknown) {
  if (isNotFound(e) || isConflict(e)) return undefined;
  throw e;
}
