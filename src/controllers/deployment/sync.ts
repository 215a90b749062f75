// One sync of one Deployment: the operations every strategy shares (finding or creating the new
// ReplicaSet, scaling a ReplicaSet with its event, status and conditions, history cleanup), on
// private copies of the Deployment and its ReplicaSets so in-flight changes are seen by later steps
// of the same sync. Mirrors pkg/controller/deployment/sync.go in Kubernetes.

import { logFailure } from '../../util/best-effort.js';
import type { KObject } from '../../api/kind.js';
import type { EventRecorder } from '../../client/events.js';
import { R } from '../../client/resources.js';
import { isNotFound, StatusError, type RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { controllerRefTo } from '../util/claim.js';
import { controllerRefOf, type Pod, type ReplicaSet } from '../util/workload-types.js';
import { writeStatus } from '../util/write-status.js';
import { DESIRED_REPLICAS, intAnnotation, maxRevision, POD_TEMPLATE_HASH, REVISION, setNewReplicaSetAnnotations, setReplicasAnnotations } from './annotations.js';
import { getCondition, newCondition, Reason, removeCondition, setCondition } from './conditions.js';
import { maxSurge } from './fenceposts.js';
import { podTemplateHash } from '../util/hash.js';
import { activeOnly, byRevision, equalIgnoreHash, findNewReplicaSet, withoutNulls } from './replicasets.js';
import { calculateStatus, deploymentComplete, deploymentProgressing, deploymentTimedOut, hasProgressDeadline } from './status.js';
import { replicasOf, type Deployment, type DeploymentStatus } from './types.js';

export interface SyncContext {
  client: RestClient;
  events: EventRecorder;
  log: Logger;
  /** Look at this deployment again after ms. */
  requeueAfter(ms: number): void;
}

export class DeploymentSync {
  readonly d: Deployment;
  readonly rsList: ReplicaSet[];

  constructor(
    private ctx: SyncContext,
    d: Deployment,
    rsList: ReplicaSet[],
    readonly podsByRS: Map<string, Pod[]>,
  ) {
    this.d = structuredClone(d);
    this.rsList = structuredClone(rsList);
  }

  private get asObject(): KObject {
    return { ...this.d, apiVersion: 'apps/v1', kind: 'Deployment' };
  }

  event(type: 'Normal' | 'Warning', reason: string, message: string) {
    this.ctx.events.record(this.asObject, type, reason, message);
  }

  /** The new ReplicaSet (created if asked and missing) and all the others. */
  async getAllReplicaSets(createIfMissing: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    const existing = findNewReplicaSet(this.d, this.rsList);
    const oldRSs = this.rsList.filter((rs) => rs !== existing);
    const newRS = await this.getNewReplicaSet(existing, oldRSs, createIfMissing);
    return { newRS, oldRSs };
  }

  private async getNewReplicaSet(existing: ReplicaSet | undefined, oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      const rs = existing;
      const annotationsChanged = setNewReplicaSetAnnotations(this.d, rs, newRevision, true);
      const minReadyChanged = (rs.spec.minReadySeconds ?? 0) !== (this.d.spec.minReadySeconds ?? 0);
      if (annotationsChanged || minReadyChanged) {
        rs.spec.minReadySeconds = this.d.spec.minReadySeconds ?? 0;
        this.replace(rs, (await this.ctx.client.update(R.replicasets, rs)) as ReplicaSet);
      }
      await this.setDeploymentRevision(rs.metadata.annotations?.[REVISION]);
      if (hasProgressDeadline(this.d) && !getCondition(this.d.status, 'Progressing')) {
        const status = structuredClone(this.d.status ?? {});
        setCondition(status, newCondition('Progressing', 'True', Reason.FoundNewRS, `Found new replica set "${rs.metadata.name}"`));
        await this.writeStatus(status);
      }
      return rs;
    }
    if (!create) return undefined;

    const template = structuredClone(this.d.spec.template ?? {});
    const hash = podTemplateHash(withoutNulls(this.d.spec.template ?? {}), this.d.status?.collisionCount);
    template.metadata ??= {};
    template.metadata.labels = { ...(template.metadata.labels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const selector = structuredClone(this.d.spec.selector ?? {});
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${this.d.metadata.name}-${hash}`,
        namespace: this.d.metadata.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [controllerRefTo({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: this.d.metadata })],
      },
      spec: { replicas: 0, minReadySeconds: this.d.spec.minReadySeconds ?? 0, selector, template },
    };
    rs.spec.replicas = newReplicaSetReplicas(this.d, [...oldRSs, rs], rs);
    setNewReplicaSetAnnotations(this.d, rs, newRevision, false);

    let created: ReplicaSet;
    let alreadyExists = false;
    try {
      created = (await this.ctx.client.create(R.replicasets, this.d.metadata.namespace, rs)) as ReplicaSet;
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) {
        const live = (await this.ctx.client.get(R.replicasets, this.d.metadata.namespace, rs.metadata.name!)) as ReplicaSet;
        if (controllerRefOf(live)?.uid === this.d.metadata.uid && equalIgnoreHash(this.d.spec.template, live.spec.template)) {
          created = live;
          alreadyExists = true;
        } else {
          // Another object has our name: a hash collision. Bump the count so the next hash differs.
          const status = structuredClone(this.d.status ?? {});
          status.collisionCount = (status.collisionCount ?? 0) + 1;
          await this.writeStatus(status);
          throw new Error(`replica set ${rs.metadata.name} exists with another template; collisionCount is now ${status.collisionCount}`);
        }
      } else {
        const message = e instanceof Error ? e.message : String(e);
        if (hasProgressDeadline(this.d)) {
          const status = structuredClone(this.d.status ?? {});
          setCondition(status, newCondition('Progressing', 'False', Reason.FailedRSCreate, `Failed to create new replica set "${rs.metadata.name}": ${message}`));
          // The create's error is what the caller must see; a failed condition write is only logged.
          await this.writeStatus(status).catch(logFailure(this.ctx.log, 'writing the FailedRSCreate condition'));
        }
        this.event('Warning', 'FailedCreate', `Failed to create new replica set "${rs.metadata.name}": ${message}`);
        throw e;
      }
    }
    if (!alreadyExists && (created.spec.replicas ?? 0) > 0) {
      this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${created.spec.replicas}`);
    }
    this.rsList.push(created);
    await this.setDeploymentRevision(String(newRevision));
    if (!alreadyExists && hasProgressDeadline(this.d)) {
      const status = structuredClone(this.d.status ?? {});
      setCondition(status, newCondition('Progressing', 'True', Reason.NewRSCreated, `Created new replica set "${created.metadata.name}"`));
      await this.writeStatus(status);
    }
    return created;
  }

  /** The deployment's revision annotation follows its new ReplicaSet's. */
  private async setDeploymentRevision(revision: string | undefined) {
    if (!revision || this.d.metadata.annotations?.[REVISION] === revision) return;
    const updated = (await this.ctx.client.patch(R.deployments, this.d.metadata.namespace, this.d.metadata.name!, { metadata: { annotations: { [REVISION]: revision } } })) as Deployment;
    this.d.metadata = updated.metadata;
  }

  async writeStatus(status: DeploymentStatus) {
    const updated = await writeStatus(this.ctx.client, R.deployments, this.d, status);
    if (updated) {
      this.d.metadata = updated.metadata;
      this.d.status = updated.status as DeploymentStatus;
    }
  }

  private replace(rs: ReplicaSet, updated: ReplicaSet) {
    // Keep object identity: callers hold references to rs in their own arrays.
    for (const k of Object.keys(rs)) delete (rs as KObject)[k];
    Object.assign(rs, updated);
  }

  /** Scales rs to newScale (recording ScalingReplicaSet when the size changes); true if it did. */
  async scaleReplicaSet(rs: ReplicaSet, newScale: number): Promise<boolean> {
    const current = rs.spec.replicas ?? 1;
    const sizeChanged = current !== newScale;
    const annotationsChanged = setReplicasAnnotations(rs, replicasOf(this.d), replicasOf(this.d) + maxSurge(this.d));
    if (!sizeChanged && !annotationsChanged) return false;
    rs.spec.replicas = newScale;
    this.replace(rs, (await this.ctx.client.update(R.replicasets, rs)) as ReplicaSet);
    if (sizeChanged) this.event('Normal', 'ScalingReplicaSet', `Scaled ${newScale > current ? 'up' : 'down'} replica set ${rs.metadata.name} from ${current} to ${newScale}`);
    return sizeChanged;
  }

  /** A change of spec.replicas (not of the template): some active set was sized for another count. */
  async isScalingEvent(): Promise<boolean> {
    const { newRS, oldRSs } = await this.getAllReplicaSets(false);
    return activeOnly([newRS, ...oldRSs]).some((rs) => {
      const desired = intAnnotation(rs, DESIRED_REPLICAS);
      return desired !== undefined && desired !== replicasOf(this.d);
    });
  }

  /** Paused deployments report it in Progressing (and resumed ones, once). */
  async checkPausedConditions() {
    if (!hasProgressDeadline(this.d)) return;
    const cond = getCondition(this.d.status, 'Progressing');
    if (cond?.reason === Reason.TimedOut) return;
    const pausedShown = cond?.reason === Reason.Paused;
    const status = structuredClone(this.d.status ?? {});
    if (this.d.spec.paused && !pausedShown) setCondition(status, newCondition('Progressing', 'Unknown', Reason.Paused, 'Deployment is paused'));
    else if (!this.d.spec.paused && pausedShown) setCondition(status, newCondition('Progressing', 'Unknown', Reason.Resumed, 'Deployment is resumed'));
    else return;
    await this.writeStatus(status);
  }

  /** Status without rollout judgements (paused, scaling, being deleted). */
  async syncDeploymentStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined) {
    const status = calculateStatus(this.d, allRSs, newRS);
    if (!deepEqual(status, this.d.status)) await this.writeStatus(status);
  }

  /** Status plus the Progressing condition (complete, progressing, timed out) and ReplicaFailure. */
  async syncRolloutStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined) {
    const status = calculateStatus(this.d, allRSs, newRS);
    if (!hasProgressDeadline(this.d)) removeCondition(status, 'Progressing');
    const current = getCondition(status, 'Progressing');
    const complete = status.replicas === status.updatedReplicas && current?.reason === Reason.NewRSAvailable;
    if (hasProgressDeadline(this.d) && !complete) {
      const name = newRS?.metadata.name;
      if (deploymentComplete(this.d, status)) {
        setCondition(status, newCondition('Progressing', 'True', Reason.NewRSAvailable, `ReplicaSet "${name}" has successfully progressed.`));
      } else if (deploymentProgressing(this.d, status)) {
        const c = newCondition('Progressing', 'True', Reason.RSUpdated, `ReplicaSet "${name}" is progressing.`);
        // Progress refreshes lastUpdateTime (the deadline counts from it) even with the same reason.
        if (current?.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, 'Progressing');
        setCondition(status, c);
      } else if (deploymentTimedOut(this.d, status)) {
        setCondition(status, newCondition('Progressing', 'False', Reason.TimedOut, `ReplicaSet "${name}" has timed out progressing.`));
      }
    }
    const failure = [newRS, ...allRSs].map((rs) => rs?.status?.conditions?.find((c) => c.type === 'ReplicaFailure' && c.status === 'True')).find(Boolean);
    if (failure) setCondition(status, newCondition('ReplicaFailure', failure.status, failure.reason ?? 'FailedCreate', failure.message ?? ''));
    else removeCondition(status, 'ReplicaFailure');
    if (deepEqual(status, this.d.status)) {
      this.requeueStuck(status);
      return;
    }
    const timedOutNow = getCondition(status, 'Progressing')?.reason === Reason.TimedOut && getCondition(this.d.status, 'Progressing')?.reason !== Reason.TimedOut;
    await this.writeStatus(status);
    if (timedOutNow) this.event('Warning', Reason.TimedOut, `Deployment "${this.d.metadata.name}" has timed out progressing.`);
  }

  /** Check again when the progress deadline would pass, if nothing else wakes us first. */
  private requeueStuck(status: DeploymentStatus) {
    const c = getCondition(status, 'Progressing');
    if (!hasProgressDeadline(this.d) || !c || deploymentComplete(this.d, status) || c.reason === Reason.TimedOut) return;
    const from = c.lastUpdateTime ? Date.parse(c.lastUpdateTime) : Date.now();
    const after = from + this.d.spec.progressDeadlineSeconds! * 1000 - Date.now();
    this.ctx.requeueAfter(Math.max(after, 1000));
  }

  /** Delete the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
  async cleanup(oldRSs: ReplicaSet[]) {
    const limit = this.d.spec.revisionHistoryLimit;
    if (limit === undefined) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const excess = cleanable.length - limit;
    if (excess <= 0) return;
    for (const rs of cleanable.sort(byRevision).slice(0, excess)) {
      if ((rs.status?.replicas ?? 0) !== 0 || (rs.spec.replicas ?? 0) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      this.ctx.log.info('deleting old replica set beyond revision history', { deployment: this.d.metadata.name, replicaSet: rs.metadata.name });
      await this.ctx.client.delete(R.replicasets, rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } }).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
    }
  }
}

/** NewRSNewReplicas: how big the new ReplicaSet may be now. */
export function newReplicaSetReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  const want = replicasOf(d);
  if ((d.spec.strategy?.type ?? 'RollingUpdate') === 'Recreate') return want;
  // Pods that still exist count too: an old set scaled down may not have deleted its pods yet, and
  // counting them keeps the real pod count (not just the sum of specs) within replicas + maxSurge.
  const current = allRSs.reduce((n, rs) => n + Math.max(rs.spec.replicas ?? 0, rs.status?.replicas ?? 0), 0);
  const maxTotal = want + maxSurge(d);
  const newReplicas = newRS.spec.replicas ?? 0;
  if (current >= maxTotal) return newReplicas;
  return newReplicas + Math.min(maxTotal - current, want - newReplicas);
}
