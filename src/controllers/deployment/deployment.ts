// The Deployment controller: rolls a pod template out through ReplicaSets (one per template hash),
// RollingUpdate or Recreate, keeps revision history for undo, scales proportionally, honours pause,
// reports progress (and progressDeadlineSeconds) in conditions, and writes status through the
// status subresource. Level-triggered from informer caches of deployments, ReplicaSets and pods.

import { selectorFromObject } from '../../api/labels.js';
import { EventRecorder } from '../../client/events.js';
import { Informer, keyOf } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import type { RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';
import { claim } from '../replicaset/claim.js';
import { controllerRefOf, type Pod, type ReplicaSet } from '../replicaset/types.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';
import { scale } from './scale.js';
import { DeploymentSync } from './sync.js';
import type { Deployment } from './types.js';

export class DeploymentController extends Controller {
  readonly deployments: Informer;
  readonly replicaSets: Informer;
  readonly pods: Informer;
  private events: EventRecorder;

  constructor(private client: RestClient, log: Logger) {
    super('deployment', log, 4);
    this.events = new EventRecorder(client, 'deployment-controller', log);
    this.deployments = new Informer(client, R.deployments, log.child({ informer: 'deployments' }));
    this.replicaSets = new Informer(client, R.replicasets, log.child({ informer: 'replicasets' }));
    this.pods = new Informer(client, R.pods, log.child({ informer: 'pods' }));
    this.deployments.addHandlers({
      onAdd: (o) => this.queue.add(keyOf(o)),
      onUpdate: (_, o) => this.queue.add(keyOf(o)),
      onDelete: (o) => this.queue.add(keyOf(o)),
    });
    this.replicaSets.addHandlers({
      onAdd: (o) => this.replicaSetChanged(undefined, o as ReplicaSet),
      onUpdate: (old, o) => this.replicaSetChanged(old as ReplicaSet, o as ReplicaSet),
      onDelete: (o) => this.enqueueOwner(o as ReplicaSet),
    });
    // Recreate waits for old pods to be gone; their deletion is what lets it continue.
    this.pods.addHandlers({ onDelete: (o) => this.podDeleted(o as Pod) });
  }

  /** Set by stop(), so a cache sync finishing afterwards does not start workers. */
  private stopped = false;

  override start() {
    for (const i of [this.deployments, this.replicaSets, this.pods]) i.start();
    void Promise.all([this.deployments.waitForSync(), this.replicaSets.waitForSync(), this.pods.waitForSync()]).then(() => {
      if (!this.stopped) super.start();
    });
  }

  override stop() {
    this.stopped = true;
    for (const i of [this.deployments, this.replicaSets, this.pods]) i.stop();
    super.stop();
  }

  private ownerKey(rs: ReplicaSet): string | undefined {
    const ref = controllerRefOf(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const key = `${rs.metadata.namespace}/${ref.name}`;
    return this.deployments.get(key)?.metadata?.uid === ref.uid ? key : undefined;
  }

  private enqueueOwner(rs: ReplicaSet) {
    const key = this.ownerKey(rs);
    if (key) this.queue.add(key);
  }

  private replicaSetChanged(old: ReplicaSet | undefined, rs: ReplicaSet) {
    if (old) {
      const oldKey = this.ownerKey(old);
      if (oldKey && oldKey !== this.ownerKey(rs)) this.queue.add(oldKey);
    }
    if (controllerRefOf(rs)) return this.enqueueOwner(rs);
    // An orphan: any deployment whose selector matches may adopt it.
    for (const d of this.deployments.list()) {
      if (d.metadata?.namespace === rs.metadata.namespace && selectorFromObject((d as Deployment).spec.selector).matches(rs.metadata.labels ?? {})) this.queue.add(keyOf(d));
    }
  }

  private podDeleted(p: Pod) {
    const ref = controllerRefOf(p);
    if (!ref || ref.kind !== 'ReplicaSet') return;
    const rs = this.replicaSets.get(`${p.metadata.namespace}/${ref.name}`) as ReplicaSet | undefined;
    if (!rs) return;
    const key = this.ownerKey(rs);
    if (key && (this.deployments.get(key) as Deployment).spec.strategy?.type === 'Recreate') this.queue.add(key);
  }

  protected async reconcile(key: string) {
    const d = this.deployments.get(key) as Deployment | undefined;
    if (!d) return;
    const ns = d.metadata.namespace!;
    const sel = d.spec.selector;
    const s0 = new DeploymentSync(this.ctx(key), d, [], new Map());
    if (!sel || (!Object.keys(sel.matchLabels ?? {}).length && !(sel.matchExpressions ?? []).length)) {
      s0.event('Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) await s0.writeStatus({ ...(d.status ?? {}), observedGeneration: d.metadata.generation });
      return;
    }
    const selector = selectorFromObject(sel);
    const candidates = this.replicaSets.list().filter((rs) => rs.metadata?.namespace === ns) as ReplicaSet[];
    const owned = await claim(candidates, { client: this.client, owner: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: d.metadata }, ownerResource: R.deployments, selector, resource: R.replicasets });
    const uids = new Set(owned.map((rs) => rs.metadata.uid!));
    const podsByRS = new Map<string, Pod[]>();
    for (const p of this.pods.list() as Pod[]) {
      const ref = controllerRefOf(p);
      if (p.metadata.namespace !== ns || !ref || !uids.has(ref.uid)) continue;
      const list = podsByRS.get(ref.uid) ?? [];
      list.push(p);
      podsByRS.set(ref.uid, list);
    }
    const s = new DeploymentSync(this.ctx(key), d, owned, podsByRS);

    if (d.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = await s.getAllReplicaSets(false);
      return s.syncDeploymentStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS);
    }
    await s.checkPausedConditions();
    if (s.d.spec.paused || (await s.isScalingEvent())) return this.scaleOnly(s);
    if (s.d.spec.strategy?.type === 'Recreate') return rolloutRecreate(s);
    return rolloutRolling(s);
  }

  /** A paused deployment, or a change of replicas only: resize, no rollout steps. */
  private async scaleOnly(s: DeploymentSync) {
    const { newRS, oldRSs } = await s.getAllReplicaSets(false);
    await scale(s, newRS, oldRSs);
    if (s.d.spec.paused) await s.cleanup(oldRSs);
    await s.syncDeploymentStatus([...oldRSs, ...(newRS ? [newRS] : [])], newRS);
  }

  private ctx(key: string) {
    return { client: this.client, events: this.events, log: this.log, requeueAfter: (ms: number) => this.queue.addAfter(key, ms) };
  }
}
