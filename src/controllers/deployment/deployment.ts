// The Deployment controller: rolls a pod template out through ReplicaSets (one per template hash),
// RollingUpdate or Recreate, keeps revision history for undo, scales proportionally, honours pause,
// reports progress (and progressDeadlineSeconds) in conditions, and writes status through the
// status subresource. Level-triggered from informer caches of deployments, ReplicaSets and pods.

import { selectorFromObject } from '../../api/labels.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, type InformerLike } from '../../client/informer.js';
import { byControllerUid, INDEX_CONTROLLER_UID, INDEX_NAMESPACE } from '../../client/indexer.js';
import { INDEX_ORPHAN_NAMESPACE, orphansByNamespace } from '../indexes.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import type { RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller, ownKey } from '../controller.js';
import { claim } from '../util/claim.js';
import { controllerRefOf, type Pod, type ReplicaSet } from '../util/workload-types.js';
import { rolloutRecreate } from './recreate.js';
import { rolloutRolling } from './rolling.js';
import { scale } from './scale.js';
import { DeploymentSync } from './sync.js';
import type { Deployment } from './types.js';

export class DeploymentController extends Controller {
  readonly deployments: InformerLike;
  readonly replicaSets: InformerLike;
  readonly pods: InformerLike;
  private events: EventRecorder;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('deployment', log, factory, 4);
    this.events = new EventRecorder(client, 'deployment-controller', log);
    this.deployments = this.informers.informer(R.deployments);
    this.replicaSets = this.informers.informer(R.replicasets, {}, { [INDEX_CONTROLLER_UID]: byControllerUid, [INDEX_ORPHAN_NAMESPACE]: orphansByNamespace });
    this.pods = this.informers.informer(R.pods, {}, { [INDEX_CONTROLLER_UID]: byControllerUid });
    this.watch(this.deployments, ownKey);
    this.replicaSets.addHandlers({
      onAdd: (o) => this.replicaSetChanged(undefined, o as ReplicaSet),
      onUpdate: (old, o) => this.replicaSetChanged(old as ReplicaSet, o as ReplicaSet),
      onDelete: (o) => this.enqueueOwner(o as ReplicaSet),
    });
    // Recreate waits for old pods to be gone; their deletion is what lets it continue.
    this.pods.addHandlers({ onDelete: (o) => this.podDeleted(o as Pod) });
  }

  private ownerKey(rs: ReplicaSet): string | undefined {
    const ref = controllerRefOf(rs);
    if (ref?.kind !== 'Deployment') return undefined;
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
    for (const d of this.deployments.byIndex(INDEX_NAMESPACE, rs.metadata.namespace ?? '')) {
      if (selectorFromObject((d as Deployment).spec.selector).matches(rs.metadata.labels ?? {})) this.queue.add(keyOf(d));
    }
  }

  private podDeleted(p: Pod) {
    const ref = controllerRefOf(p);
    if (ref?.kind !== 'ReplicaSet') return;
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
    // Only what this deployment controls or could adopt: its own ReplicaSets and the namespace's orphans.
    const candidates = [...this.replicaSets.byIndex(INDEX_CONTROLLER_UID, d.metadata.uid!), ...this.replicaSets.byIndex(INDEX_ORPHAN_NAMESPACE, ns)] as ReplicaSet[];
    const owned = await claim(candidates, { client: this.client, owner: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: d.metadata }, ownerResource: R.deployments, selector, resource: R.replicasets });
    const uids = new Set(owned.map((rs) => rs.metadata.uid!));
    const podsByRS = new Map<string, Pod[]>();
    for (const uid of uids) podsByRS.set(uid, this.pods.byIndex(INDEX_CONTROLLER_UID, uid) as Pod[]);
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
