// The StatefulSet controller, following Kubernetes' stateful set control loop:
// - pods `<set>-<i>` for each ordinal, claims from volumeClaimTemplates created before their pod;
// - OrderedReady: create in ordinal order, each Running and Ready before the next; remove from the
//   highest ordinal down, one at a time, only while every other pod is healthy. Parallel: all at once;
// - failed pods are deleted and recreated with the same identity;
// - RollingUpdate: from the highest ordinal down to the partition, delete one pod whose revision is
//   not the update revision, then wait for its replacement to be Ready; OnDelete: new pods only;
// - claims are kept on scale-down and deletion unless persistentVolumeClaimRetentionPolicy says Delete
//   (then the pod, or the set, becomes the claim's owner and the garbage collector removes it);
// - ControllerRevisions record each template; status reports counts and revisions.

import type { Pod } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, type InformerLike } from '../../client/informer.js';
import { byControllerUid, INDEX_CONTROLLER_UID, INDEX_NAMESPACE } from '../../client/indexer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isConflict, isNotFound, StatusError, type RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { Controller, ownKey } from '../controller.js';
import { Expectations } from '../util/name-expectations.js';
import { isAvailable, isRunningAndReady, isTerminal, ownedBy, ownerRefTo } from '../util/pod-state.js';
import { REVISION_HASH_LABEL, syncRevisions, templateOf, truncateHistory } from '../util/revisions.js';
import { claimName, ordinalOf, statefulClaim, statefulPod, type StatefulSetSpec } from './identity.js';
import { slowStartBatch } from '../util/slow-start.js';

const KIND = { apiVersion: 'apps/v1', kind: 'StatefulSet' };

export class StatefulSetController extends Controller {
  private sets: InformerLike;
  private pods: InformerLike;
  private revisions: InformerLike;
  private expectations = new Expectations();
  private events: EventRecorder;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('statefulset', log, factory, 2);
    this.events = new EventRecorder(client, 'statefulset-controller', log);
    this.sets = this.informers.informer(R.statefulsets);
    this.pods = this.informers.informer(R.pods, {}, { [INDEX_CONTROLLER_UID]: byControllerUid });
    this.revisions = this.informers.informer(R.controllerrevisions);
    this.watch(this.sets, ownKey);
    this.watch(this.pods, (old, o) => this.controllerOwnerKey((o ?? old)!, 'StatefulSet', this.sets));
  }

  protected async reconcile(key: string) {
    let set = this.sets.get(key);
    if (!set) return this.expectations.forget(key);
    if (set.metadata?.deletionTimestamp) return;
    if (!this.expectations.satisfied(key, (k) => this.pods.get(k))) return;
    const spec = set.spec as StatefulSetSpec;
    const status = (set.status ?? {}) as Record<string, unknown>;
    const ns = set.metadata!.namespace!;
    const revs = await syncRevisions(this.client, set, KIND, spec.template, this.revisions.byIndex(INDEX_NAMESPACE, ns), status.currentRevision as string | undefined);
    const currentName = revs.current.metadata!.name!;
    const updateName = revs.update.metadata!.name!;
    const revisionOf = (p: KObject) => p.metadata?.labels?.[REVISION_HASH_LABEL];

    const start = spec.ordinals?.start ?? 0;
    const replicas = spec.replicas ?? 1;
    const pods = ownedBy(this.pods.byIndex(INDEX_CONTROLLER_UID, set.metadata!.uid!), set);
    const byOrdinal = new Map<number, KObject>();
    const condemned: KObject[] = [];
    for (const p of pods) {
      const ord = ordinalOf(set, p);
      if (ord !== undefined && ord >= start && ord < start + replicas) byOrdinal.set(ord, p);
      else condemned.push(p);
    }
    condemned.sort((a, b) => (ordinalOf(set!, b) ?? -1) - (ordinalOf(set!, a) ?? -1));
    const monotonic = spec.podManagementPolicy !== 'Parallel';
    const strategy = spec.updateStrategy?.type ?? 'RollingUpdate';
    const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    const healthy = (p: KObject | undefined) => !!p && isRunningAndReady(p) && !p.metadata?.deletionTimestamp;

    const podActions = async () => {
      // Parallel: every missing pod (with its claims) at once, in Kubernetes' slow-start batches
      // (1, 2, 4, ...), so a StatefulSet of N replicas is not N sequential round trips.
      const created = new Set<number>();
      if (!monotonic) {
        const missing: number[] = [];
        for (let ord = start; ord < start + replicas; ord++) if (!byOrdinal.get(ord)) missing.push(ord);
        let next = 0;
        const { error } = await slowStartBatch(missing.length, 1, async () => {
          const ord = missing[next++];
          const useCurrent = strategy === 'RollingUpdate' && currentName !== updateName && ord < partition;
          const rev = useCurrent ? revs.current : revs.update;
          await this.createPod(key, set!, templateOf(rev) as StatefulSetSpec['template'], rev.metadata!.name!, ord);
          created.add(ord);
        });
        if (error) throw error;
      }
      // Bring up (or replace failed) pods in ordinal order.
      for (let ord = start; ord < start + replicas; ord++) {
        const pod = byOrdinal.get(ord);
        if (pod && isTerminal(pod) && !pod.metadata?.deletionTimestamp) {
          this.log.info('deleting finished stateful pod to recreate it', { statefulset: key, pod: pod.metadata!.name, phase: (pod as Pod).status!.phase });
          await this.deletePod(key, set!, pod);
          if (monotonic) return;
          continue;
        }
        if (!pod) {
          if (created.has(ord)) continue;
          const useCurrent = strategy === 'RollingUpdate' && currentName !== updateName && ord < partition;
          const rev = useCurrent ? revs.current : revs.update;
          await this.createPod(key, set!, templateOf(rev) as StatefulSetSpec['template'], rev.metadata!.name!, ord);
          if (monotonic) return;
          continue;
        }
        if (monotonic && pod.metadata?.deletionTimestamp) return;
        if (monotonic && !healthy(pod)) return;
      }
      // Remove condemned pods from the highest ordinal, one at a time while others are unhealthy.
      for (const pod of condemned) {
        if (pod.metadata?.deletionTimestamp) {
          if (monotonic) return;
          continue;
        }
        const unhealthy = [...byOrdinal.values(), ...condemned].filter((p) => !healthy(p));
        if (monotonic && unhealthy.some((p) => p !== pod)) return;
        await this.releaseClaimsOnScaleDown(set!, pod);
        await this.deletePod(key, set!, pod);
        if (monotonic) return;
      }
      // Rolling update, from the highest ordinal down to the partition.
      if (strategy !== 'RollingUpdate') return;
      for (let ord = start + replicas - 1; ord >= start + partition; ord--) {
        const pod = byOrdinal.get(ord);
        if (!pod) return;
        if (revisionOf(pod) !== updateName && !pod.metadata?.deletionTimestamp) {
          this.log.info('updating stateful pod to the update revision', { statefulset: key, pod: pod.metadata!.name, revision: updateName });
          await this.deletePod(key, set!, pod);
          return;
        }
        if (!healthy(pod)) return;
      }
    };
    await podActions();

    // Status from what the cache shows now (the next reconcile sees our writes).
    const live = ownedBy(this.pods.byIndex(INDEX_CONTROLLER_UID, set.metadata!.uid!), set);
    const created = live.filter((p) => !isTerminal(p));
    const next: Record<string, unknown> = {
      ...status,
      observedGeneration: set.metadata!.generation,
      replicas: created.length,
      readyReplicas: created.filter(isRunningAndReady).length,
      availableReplicas: created.filter((p) => isAvailable(p, spec.minReadySeconds ?? 0)).length,
      currentReplicas: created.filter((p) => revisionOf(p) === currentName).length,
      updatedReplicas: created.filter((p) => revisionOf(p) === updateName).length,
      currentRevision: currentName,
      updateRevision: updateName,
      collisionCount: revs.collisionCount,
    };
    // A rolling update is complete when every pod runs the update revision and is ready.
    if (strategy === 'RollingUpdate' && next.updatedReplicas === replicas && next.readyReplicas === replicas && created.length === replicas) {
      next.currentRevision = updateName;
      next.currentReplicas = next.updatedReplicas;
    } else if (strategy === 'OnDelete' && next.updatedReplicas === replicas && created.length === replicas) {
      next.currentRevision = updateName;
      next.currentReplicas = next.updatedReplicas;
    }
    if (!deepEqual(next, status)) set = await this.client.update(R.statefulsets, { ...set, status: next }, 'status');
    const live2 = new Set(live.map((p) => revisionOf(p)!).filter(Boolean));
    await truncateHistory(this.client, { ...revs, current: revs.all.find((r) => r.metadata!.name === next.currentRevision) ?? revs.current }, spec.revisionHistoryLimit ?? 10, live2, (r) => r.metadata!.name!);
    if (spec.minReadySeconds && next.availableReplicas !== next.readyReplicas) this.queue.addAfter(key, spec.minReadySeconds * 1000);
  }

  private async createPod(key: string, set: KObject, template: StatefulSetSpec['template'], revision: string, ordinal: number) {
    const spec = set.spec as StatefulSetSpec;
    const pod = statefulPod(set, template, revision, ordinal);
    for (const t of spec.volumeClaimTemplates ?? []) {
      try {
        await this.client.create(R.persistentvolumeclaims, set.metadata!.namespace, statefulClaim(set, t, ordinal));
        this.events.record(set, 'Normal', 'SuccessfulCreate', `create Claim ${claimName(t, set, ordinal)} Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} success`);
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 409)) {
          this.events.record(set, 'Warning', 'FailedCreate', `create Claim ${claimName(t, set, ordinal)} for Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} failed error: ${(e as Error).message}`);
          throw e;
        }
      }
    }
    try {
      await this.client.create(R.pods, set.metadata!.namespace, pod);
      this.expectations.expectCreate(key, `${set.metadata!.namespace}/${pod.metadata!.name}`);
      this.events.record(set, 'Normal', 'SuccessfulCreate', `create Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} successful`);
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) return; // created already; the cache will catch up
      this.events.record(set, 'Warning', 'FailedCreate', `create Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} failed error: ${(e as Error).message}`);
      throw e;
    }
  }

  private async deletePod(key: string, set: KObject, pod: KObject) {
    this.expectations.expectDelete(key, keyOf(pod));
    await this.client.delete(R.pods, pod.metadata!.namespace, pod.metadata!.name!, { preconditions: { uid: pod.metadata!.uid } }).catch(ignoreGone);
    this.events.record(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata!.name} in StatefulSet ${set.metadata!.name} successful`);
  }

  /** whenScaled: Delete hands a condemned pod's claims to the pod, so they go when it goes. */
  private async releaseClaimsOnScaleDown(set: KObject, pod: KObject) {
    const spec = set.spec as StatefulSetSpec;
    if (spec.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return;
    const ord = ordinalOf(set, pod);
    if (ord === undefined) return;
    for (const t of spec.volumeClaimTemplates ?? []) {
      const ref = { ...ownerRefTo(pod, 'v1', 'Pod'), controller: false, blockOwnerDeletion: false };
      await this.client.patch(R.persistentvolumeclaims, set.metadata!.namespace, claimName(t, set, ord), { metadata: { ownerReferences: [ref] } }).catch(ignoreGone);
    }
  }
}

function ignoreGone(e: unknown) {
  if (isNotFound(e) || isConflict(e)) return undefined;
  throw e;
}
