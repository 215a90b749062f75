// The upgrade controller (docs/upgrades.md): drives an Upgrade node by node. For each node planNext
// starts: cordon, drain through the eviction API (PodDisruptionBudgets respected), then write the
// target build on the Node; the node's agent, watching its Node, re-executes itself from that build.
// The node is done once it is Ready and reports the target version in a heartbeat newer than the
// switch; then it is uncordoned. A node not there within readyTimeoutSeconds is switched back to
// the build it ran before and the Upgrade halts with a condition saying why. With spec.drain.timeout,
// a drain that has not finished in time (a PodDisruptionBudget that allows no disruption) stops: the
// node is uncordoned as it was, the Upgrade halts (reason DrainTimeout, naming the pods still there
// and why) and a Warning Event says so. A halt winds the other nodes in flight down (planNext): drains
// stop and their nodes are uncordoned (Cancelled), switched nodes finish while the Upgrade is
// Halting, then it is Halted. Level-triggered: the whole state lives in the Upgrade's
// status and the Nodes, so a restarted (or newly elected) controller carries on where the last one
// stopped.

import type { Node } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { ANN_AGENT_BUILD, ANN_CORDONED_BY_UPGRADE, ANN_TARGET_BUILD, ANN_TARGET_IMAGE, ANN_TARGET_VERSION, DEFAULT_READY_TIMEOUT_SECONDS, drainTimeoutMs, type Upgrade, type UpgradeNodeStatus } from '../../api/kinds/upgrade/index.js';
import { GIFEE_VERSION } from '../../api/version.js';
import { agentSkewProblem, gifeeVersionOfKubelet } from '../../api/version-skew.js';
import { EventRecorder } from '../../client/events.js';
import { byNodeName, INDEX_NODE_NAME } from '../../client/indexer.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import type { RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { Controller, ownKey, type ReconcileResult } from '../controller.js';
import { writeStatus } from '../util/write-status.js';
import { type BlockedPod, drainDecision, evictPods, podsToEvict } from './drain.js';
import { IN_FLIGHT_STATES, type NodeView, planNext } from './plan.js';

const CONTROL_PLANE_LABEL = 'node-role.kubernetes.io/control-plane';
/** Pods named in a status message or Event, at most (the rest are counted). */
const MAX_PODS_NAMED = 5;
const podList = (items: string[], sep = ', ') => (items.length > MAX_PODS_NAMED ? `${items.slice(0, MAX_PODS_NAMED).join(sep)}${sep}and ${items.length - MAX_PODS_NAMED} more` : items.join(sep));
const isoSeconds = (ms: number) => `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;

/** What an Upgrade names: a build directory or an image (validation keeps exactly one), and its version. */
type Target = { path?: string; image?: string; version: string };

interface NodeFacts extends NodeView {
  /** When the node's Ready condition was last heartbeaten (ms), 0 if never. */
  heartbeat: number;
  unschedulable: boolean;
  annotations: Record<string, string>;
}

function factsOf(n: KObject): NodeFacts {
  const status = (n as Node).status;
  const ready = status?.conditions?.find((c) => c.type === 'Ready');
  return {
    name: n.metadata!.name!,
    server: n.metadata?.labels?.[CONTROL_PLANE_LABEL] !== undefined,
    version: gifeeVersionOfKubelet(status?.nodeInfo?.kubeletVersion),
    ready: ready?.status === 'True',
    heartbeat: Date.parse(ready?.lastHeartbeatTime ?? '') || 0,
    unschedulable: (n as Node).spec?.unschedulable === true,
    annotations: n.metadata?.annotations ?? {},
  };
}

export class UpgradeController extends Controller {
  private upgrades: InformerLike;
  private nodes: InformerLike;
  private pods: InformerLike;
  private readonly pollMs: number;
  private readonly serverVersion: string;
  /** How long a node stays Ready on the version it should run before it counts. */
  private readonly settleMs: number;
  private readonly events: EventRecorder;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
    opts: { pollMs?: number; serverVersion?: string; settleMs?: number } = {},
  ) {
    super('upgrade', log, factory, 1);
    this.pollMs = opts.pollMs ?? 2000;
    this.settleMs = opts.settleMs ?? 10_000;
    this.serverVersion = opts.serverVersion ?? GIFEE_VERSION;
    this.events = new EventRecorder(client, 'upgrade-controller', log);
    this.upgrades = this.informers.informer(R.upgrades);
    this.nodes = this.informers.informer(R.nodes);
    this.pods = this.informers.informer(R.pods, {}, { [INDEX_NODE_NAME]: byNodeName });
    this.watch(this.upgrades, ownKey);
    // Any node change may move an upgrade on (a node became Ready on the new version).
    this.watch(this.nodes, () => this.upgrades.list().map((u) => u.metadata!.name!));
  }

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const u = this.upgrades.get(key) as Upgrade | undefined;
    if (!u || u.metadata?.deletionTimestamp) return;
    const phase = u.status?.phase;
    if (phase === 'Complete' || phase === 'Halted') return;
    const target = u.spec?.target ?? {};
    const status = structuredClone(u.status ?? {});
    status.nodes ??= [];
    const now = Date.now();
    const setCondition = (type: string, reason: string, message: string) => {
      status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== type), { type, status: 'True', reason, message, lastTransitionTime: isoSeconds(now) }];
    };
    // One upgrade at a time: the oldest unfinished one acts, the others wait their turn.
    const first = this.upgrades
      .list()
      .filter((o) => !['Complete', 'Halted'].includes((o as Upgrade).status?.phase ?? '') && !o.metadata?.deletionTimestamp)
      .sort((a, b) => (a.metadata!.creationTimestamp ?? '').localeCompare(b.metadata!.creationTimestamp ?? '') || a.metadata!.name!.localeCompare(b.metadata!.name!))[0];
    if (first && first.metadata!.name !== key) {
      status.phase = 'Pending';
      setCondition('Waiting', 'AnotherUpgradeInProgress', `waiting for upgrade ${first.metadata!.name} to finish`);
      await this.save(u, status);
      return;
    }
    // The skew policy: agents never a minor version ahead of the servers (this controller runs in one).
    const skew = agentSkewProblem(target.version ?? '', this.serverVersion);
    if (skew) {
      status.phase = 'Halted';
      setCondition('Halted', 'VersionSkew', `target ${target.version}: ${skew}`);
      await this.save(u, status);
      return;
    }
    const timeoutMs = (u.spec?.readyTimeoutSeconds ?? DEFAULT_READY_TIMEOUT_SECONDS) * 1000;
    const drain = { u, timeoutMs: drainTimeoutMs(u) };
    const facts = new Map(this.nodes.list().map((n) => [n.metadata!.name!, factsOf(n)]));
    for (const p of status.nodes) {
      const n = facts.get(p.name);
      if (!n || !IN_FLIGHT_STATES.has(p.state)) continue;
      // After a halt no drain goes on (cancelled below); switched nodes still finish.
      if (p.state === 'Draining' && status.nodes.some((x) => x.state === 'Failed')) continue;
      await this.advance(p, n, target as Target, timeoutMs, now, drain);
    }
    const plan = planNext([...facts.values()], status.nodes, target.version!, u.spec?.concurrency ?? 1);
    for (const name of plan.start) {
      const n = facts.get(name)!;
      const entry: UpgradeNodeStatus = { name, state: 'Draining', fromPath: n.annotations[ANN_AGENT_BUILD], fromVersion: n.version, startedAt: isoSeconds(now) };
      if (!entry.fromPath) {
        // Without the build it runs from there is nothing to roll back to: refuse before touching it.
        Object.assign(entry, { state: 'Failed', message: `the agent of node ${name} does not publish its build (${ANN_AGENT_BUILD}): it predates upgrades or runs inside a server; upgrade it by hand` });
      }
      status.nodes = [...status.nodes.filter((x) => x.name !== name), entry];
      if (entry.state === 'Draining') await this.advance(entry, n, target as Target, timeoutMs, now, drain);
    }
    let after = planNext([...facts.values()], status.nodes, target.version!, u.spec?.concurrency ?? 1);
    if (after.halted && after.cancel.length) {
      for (const name of after.cancel) await this.cancelDrain(status.nodes.find((p) => p.name === name)!, u, after.halted);
      after = planNext([...facts.values()], status.nodes, target.version!, u.spec?.concurrency ?? 1);
    }
    if (after.halted) {
      // Halting while switched nodes finish (Ready on the target or rolled back), then Halted.
      status.phase = after.settling ? 'Halting' : 'Halted';
      setCondition('Halted', after.haltedReason ?? 'NodeUpgradeFailed', after.halted);
    } else if (after.complete) {
      status.phase = 'Complete';
      setCondition('Complete', 'AllNodesUpgraded', `every node reports ${target.version}`);
    } else {
      status.phase = 'Progressing';
      if (after.waiting.length) setCondition('Waiting', 'NodesNotReady', `not Ready, not started: ${after.waiting.slice(0, 10).join(', ')}`);
      else status.conditions = (status.conditions ?? []).filter((c) => c.type !== 'Waiting');
    }
    await this.save(u, status);
    return status.phase === 'Progressing' || status.phase === 'Halting' ? { requeueAfter: this.pollMs } : undefined;
  }

  /** One step of one node's upgrade; mutates its status entry. */
  private async advance(p: UpgradeNodeStatus, n: NodeFacts, target: Target, timeoutMs: number, now: number, drain: { u: Upgrade; timeoutMs?: number }) {
    const since = Date.parse(p.startedAt ?? '') || 0;
    if (p.state === 'Draining') {
      if (!n.unschedulable) await this.patchNode(n.name, { metadata: { annotations: { [ANN_CORDONED_BY_UPGRADE]: 'true' } }, spec: { unschedulable: true } });
      const left = podsToEvict(this.pods, n.name);
      const decision = drainDecision({ now, startedAt: since, timeoutMs: drain.timeoutMs, remaining: left.length });
      if (decision === 'timedOut') return this.stopDrain(p, n.name, left, drain.u);
      if (decision === 'wait') {
        const blocked = await evictPods(this.client, left);
        p.message = blocked.length ? `draining: ${blocked.length} pod(s) held by a PodDisruptionBudget (${podList(blocked.map((b) => b.pod))})` : `draining: ${left.length} pod(s) being evicted`;
        return;
      }
      // One of the two names the build: a directory on the node, or an image the agent pulls.
      await this.patchNode(n.name, { metadata: { annotations: { [ANN_TARGET_BUILD]: target.path ?? null, [ANN_TARGET_IMAGE]: target.image ?? null, [ANN_TARGET_VERSION]: target.version } } });
      Object.assign(p, { state: 'Switching', startedAt: isoSeconds(now), switchedAt: isoSeconds(now), message: `switching the agent to ${target.version}` });
      this.log.info('node drained; agent switching', { node: n.name, version: target.version });
      return;
    }
    // Ready on the expected version, in a heartbeat posted after the switch began (not the old
    // agent's last one; after a rollback, the previous build's restart counts).
    const want = p.state === 'Switching' ? target.version : p.fromVersion;
    const onWant = n.ready && n.version === want && n.heartbeat >= (Date.parse(p.switchedAt ?? '') || since);
    // Not at the first heartbeat: an agent that registers and then crashes is not an upgraded node.
    if (!onWant) delete p.readyAt;
    else p.readyAt ??= isoSeconds(now);
    if (onWant && now - Date.parse(p.readyAt!) >= Math.min(this.settleMs, timeoutMs / 2)) {
      delete p.readyAt;
      if (n.annotations[ANN_CORDONED_BY_UPGRADE]) await this.patchNode(n.name, { metadata: { annotations: { [ANN_CORDONED_BY_UPGRADE]: null } }, spec: { unschedulable: false } });
      if (p.state === 'Switching') {
        Object.assign(p, { state: 'Done', message: `Ready on ${want}` });
        this.log.info('node upgraded', { node: n.name, version: want });
      } else Object.assign(p, { state: 'Failed', message: `${p.message}; rolled back to ${want}` });
      return;
    }
    if (now - since < timeoutMs) return;
    if (p.state === 'Switching') {
      const why = `not Ready on ${target.version} within ${timeoutMs / 1000}s`;
      await this.patchNode(n.name, { metadata: { annotations: { [ANN_TARGET_BUILD]: p.fromPath!, [ANN_TARGET_IMAGE]: null, [ANN_TARGET_VERSION]: p.fromVersion ?? null } } });
      Object.assign(p, { state: 'RollingBack', startedAt: isoSeconds(now), message: why });
      this.log.warn('node upgrade failed; rolling back', { node: n.name, reason: why });
    } else {
      Object.assign(p, { state: 'Failed', message: `${p.message}; the rollback to ${p.fromVersion} was not Ready within ${timeoutMs / 1000}s either: node left cordoned` });
    }
  }

  /**
   * A drain past spec.drain.timeout: no more evictions; the node is uncordoned if the upgrade
   * cordoned it (left as it was), and fails with reason DrainTimeout, which halts the upgrade. Why
   * each pod is still there is asked of the eviction API once more, as a dry run (nothing evicted).
   */
  private async stopDrain(p: UpgradeNodeStatus, node: string, left: KObject[], u: Upgrade) {
    const keys = left.map((x) => `${x.metadata!.namespace}/${x.metadata!.name}`);
    const why = new Map((await evictPods(this.client, left, { dryRun: true })).map((b: BlockedPod) => [b.pod, b.why]));
    const shown = podList(
      keys.map((k) => `${k} (${why.get(k) ?? 'evictable now, not evicted in time'})`),
      '; ',
    );
    const cordonedByUs = await this.uncordonIfOurs(node);
    const message = `drain did not finish within ${u.spec?.drain?.timeout}: ${keys.length} pod(s) still on the node: ${shown}; drain stopped, node ${cordonedByUs ? 'uncordoned' : 'left cordoned as it was before the upgrade'}`;
    Object.assign(p, { state: 'Failed', reason: 'DrainTimeout', message });
    this.events.record(u, 'Warning', 'DrainTimeout', `node ${node}: ${message}`);
    this.log.warn('drain timed out; upgrade halts', { node, pods: keys.length });
  }

  /**
   * Another node failed while this one was draining: its drain stops before any switch, and the node
   * is uncordoned if the upgrade cordoned it, as a drain timeout leaves it. Pods already evicted stay
   * gone (their controllers have replaced them elsewhere).
   */
  private async cancelDrain(p: UpgradeNodeStatus, u: Upgrade, halted: string) {
    const cordonedByUs = await this.uncordonIfOurs(p.name);
    const message = `upgrade halted (${halted}) while this node was draining: drain stopped, node ${cordonedByUs ? 'uncordoned' : 'left cordoned as it was before the upgrade'}, not switched`;
    Object.assign(p, { state: 'Cancelled', message });
    this.events.record(u, 'Normal', 'DrainCancelled', `node ${p.name}: ${message}`);
    this.log.info('upgrade halted; drain cancelled', { node: p.name });
  }

  /** Uncordons the node if this upgrade cordoned it; true if it did. */
  private async uncordonIfOurs(node: string): Promise<boolean> {
    // The node as it is now (the cache may not hold this upgrade's own cordon yet).
    const fresh = await this.client.get(R.nodes, undefined, node);
    const cordonedByUs = fresh.metadata?.annotations?.[ANN_CORDONED_BY_UPGRADE] !== undefined;
    if (cordonedByUs) await this.patchNode(node, { metadata: { annotations: { [ANN_CORDONED_BY_UPGRADE]: null } }, spec: { unschedulable: false } });
    return cordonedByUs;
  }

  private patchNode(name: string, patch: unknown) {
    return this.client.patch(R.nodes, undefined, name, patch, 'merge');
  }

  private async save(u: Upgrade, status: Upgrade['status']) {
    if (!deepEqual(u.status ?? {}, status)) await writeStatus(this.client, R.upgrades, u, status);
  }
}
