// The ReplicaSet controller: keeps spec.replicas pods matching the selector, owned by the
// ReplicaSet (ownerReferences with controller=true). The same code drives ReplicationControllers
// (kinds.ts says how the two differ), as Kubernetes' replication manager reuses its ReplicaSet one. Level-triggered from informer caches, with
// expectations so a lagging cache never causes double creates/deletes, slow-start batches so a
// failing template costs one request, deletion ranking like Kubernetes, adoption of matching orphans
// and release of pods that stopped matching, and status through the status subresource.

import type { KObject } from '../../api/kind.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, type InformerLike } from '../../client/informer.js';
import { byControllerUid, INDEX_CONTROLLER_UID, INDEX_NAMESPACE } from '../../client/indexer.js';
import { INDEX_ORPHAN_NAMESPACE, orphansByNamespace } from '../indexes.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNotFound, StatusError, type RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';
import { claim, controllerRefTo } from '../util/claim.js';
import { Expectations } from './expectations.js';
import { isPodActive, isPodReady } from './pod-state.js';
import { podsToDelete } from './ranking.js';
import { slowStartBatch } from '../util/slow-start.js';
import { computeStatus } from './status.js';
import { REPLICA_SET, type ReplicatedKind } from './kinds.js';
import { controllerRefOf, type Pod, type ReplicaSet } from '../util/workload-types.js';
import { writeStatus } from '../util/write-status.js';

/** At most this many creates or deletes per sync (Kubernetes' burstReplicas). */
const BURST = 500;

export class ReplicaSetController extends Controller {
  readonly replicaSets: InformerLike;
  readonly pods: InformerLike;
  private expectations = new Expectations();
  private events: EventRecorder;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
    private readonly kind: ReplicatedKind = REPLICA_SET,
  ) {
    super(kind.controllerName, log, factory, 4);
    this.events = new EventRecorder(client, kind.eventSource, log);
    this.replicaSets = this.informers.informer(kind.resource, {}, { [INDEX_CONTROLLER_UID]: byControllerUid });
    this.pods = this.informers.informer(R.pods, {}, { [INDEX_CONTROLLER_UID]: byControllerUid, [INDEX_ORPHAN_NAMESPACE]: orphansByNamespace });
    this.watch(this.replicaSets, (old, o) => {
      if (!o) this.expectations.forget(keyOf(old!));
      return keyOf((o ?? old)!);
    });
    this.pods.addHandlers({
      onAdd: (o) => this.podAdded(o as Pod),
      onUpdate: (old, o) => this.podUpdated(old as Pod, o as Pod),
      onDelete: (o) => this.podDeleted(o as Pod),
    });
  }

  /** The ReplicaSet a controller reference points at, if it is in the cache with that uid. */
  private ownerKey(p: Pod): string | undefined {
    const ref = controllerRefOf(p);
    if (ref?.kind !== this.kind.kind) return undefined;
    const key = `${p.metadata.namespace}/${ref.name}`;
    return this.replicaSets.get(key)?.metadata?.uid === ref.uid ? key : undefined;
  }

  /** An orphan may be adopted by any ReplicaSet (or RC) whose selector matches it. */
  private enqueueMatching(p: Pod) {
    for (const rs of this.replicaSets.byIndex(INDEX_NAMESPACE, p.metadata.namespace ?? '')) {
      if (this.kind.selector(rs as ReplicaSet).matches(p.metadata.labels ?? {})) this.queue.add(keyOf(rs));
    }
  }

  private podAdded(p: Pod) {
    if (p.metadata.deletionTimestamp) return this.podDeleted(p);
    if (controllerRefOf(p)) {
      const key = this.ownerKey(p);
      if (!key) return;
      this.expectations.creationObserved(key);
      this.queue.add(key);
    } else this.enqueueMatching(p);
  }

  private podUpdated(old: Pod, p: Pod) {
    if (old.metadata.resourceVersion === p.metadata.resourceVersion) return;
    if (p.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      // A graceful delete started: for our purposes the pod is gone now.
      this.podDeleted(p);
      return;
    }
    const oldKey = this.ownerKey(old);
    const key = this.ownerKey(p);
    if (oldKey && oldKey !== key) this.queue.add(oldKey);
    if (key) {
      this.queue.add(key);
      // A pod that just became ready becomes available minReadySeconds later: look again then.
      const rs = this.replicaSets.get(key) as ReplicaSet | undefined;
      const minReady = rs?.spec.minReadySeconds ?? 0;
      if (minReady > 0 && !isPodReady(old) && isPodReady(p)) this.queue.addAfter(key, minReady * 1000 + 100);
    } else if (!controllerRefOf(p) && (!deepEqual(old.metadata.labels, p.metadata.labels) || controllerRefOf(old))) this.enqueueMatching(p);
  }

  private podDeleted(p: Pod) {
    const key = this.ownerKey(p);
    if (!key) return;
    this.expectations.deletionObserved(key, keyOf(p));
    this.queue.add(key);
  }

  protected async reconcile(key: string) {
    const rs = this.replicaSets.get(key) as ReplicaSet | undefined;
    if (!rs) {
      this.expectations.forget(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const ns = rs.metadata.namespace!;
    // Only what this ReplicaSet controls or could adopt: its own pods and the namespace's orphans.
    const active = [...this.pods.byIndex(INDEX_CONTROLLER_UID, rs.metadata.uid!), ...this.pods.byIndex(INDEX_ORPHAN_NAMESPACE, ns)].filter((p) => isPodActive(p as Pod)) as Pod[];
    const owned = await claim(active, {
      client: this.client,
      owner: { apiVersion: this.kind.apiVersion, kind: this.kind.kind, metadata: rs.metadata },
      ownerResource: this.kind.resource,
      selector: this.kind.selector(rs),
      resource: R.pods,
    });
    let failure: { reason: 'FailedCreate' | 'FailedDelete'; message: string } | undefined;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      failure = await this.manageReplicas(key, rs, owned);
    } else if (!needsSync) {
      // Keep any standing failure while we wait for our own writes to show up.
      const c = rs.status?.conditions?.find((x) => x.type === 'ReplicaFailure');
      if (c) failure = { reason: c.reason as 'FailedCreate', message: c.message ?? '' };
    }
    const status = computeStatus(rs, owned, failure);
    if (!deepEqual(status, rs.status)) await writeStatus(this.client, this.kind.resource, rs, status);
    if (failure) throw new Error(`${failure.reason}: ${failure.message}`);
    const minReady = rs.spec.minReadySeconds ?? 0;
    // Ready pods become available minReadySeconds later: look again then.
    if (minReady > 0 && status.readyReplicas === (rs.spec.replicas ?? 1) && status.availableReplicas !== status.readyReplicas) return { requeueAfter: minReady * 1000 };
    return undefined;
  }

  /** Create or delete pods towards spec.replicas; returns the failure to report, if any. */
  private async manageReplicas(key: string, rs: ReplicaSet, owned: Pod[]) {
    const want = rs.spec.replicas ?? 1;
    const diff = owned.length - want;
    const rsObj = { ...rs, apiVersion: this.kind.apiVersion, kind: this.kind.kind } as KObject;
    if (diff < 0) {
      const n = Math.min(-diff, BURST);
      this.expectations.expectCreations(key, n);
      const { succeeded, error } = await slowStartBatch(n, 1, async () => {
        try {
          const pod = (await this.client.create(R.pods, rs.metadata.namespace, this.podFor(rs))) as Pod;
          this.events.record(rsObj, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
        } catch (e) {
          this.events.record(rsObj, 'Warning', 'FailedCreate', `Error creating: ${errorText(e)}`);
          throw e;
        }
      });
      // Pods never created will never be observed: stop waiting for them.
      for (let i = succeeded; i < n; i++) this.expectations.creationObserved(key);
      if (error) return { reason: 'FailedCreate' as const, message: errorText(error) };
    } else if (diff > 0) {
      const n = Math.min(diff, BURST);
      const victims = podsToDelete(owned, this.relatedPods(rs), n);
      this.expectations.expectDeletions(
        key,
        victims.map((p) => keyOf(p)),
      );
      const results = await Promise.allSettled(
        victims.map(async (p) => {
          try {
            await this.client.delete(R.pods, p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
            this.events.record(rsObj, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
          } catch (e) {
            this.expectations.deletionObserved(key, keyOf(p));
            if (isNotFound(e)) return;
            this.events.record(rsObj, 'Warning', 'FailedDelete', `Error deleting: ${errorText(e)}`);
            throw e;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) return { reason: 'FailedDelete' as const, message: errorText(failed.reason) };
    }
    return undefined;
  }

  /** Pods of every ReplicaSet with the same controller as this one (a Deployment's old and new). */
  private relatedPods(rs: ReplicaSet): Pod[] {
    const owner = controllerRefOf(rs)?.uid;
    const siblings = owner ? this.replicaSets.byIndex(INDEX_CONTROLLER_UID, owner).map((x) => x.metadata!.uid!) : [rs.metadata.uid!];
    return siblings.flatMap((uid) => this.pods.byIndex(INDEX_CONTROLLER_UID, uid)) as Pod[];
  }

  private podFor(rs: ReplicaSet): KObject {
    const t = rs.spec.template ?? {};
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}) },
        ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
        ...(t.metadata?.finalizers ? { finalizers: [...t.metadata.finalizers] } : {}),
        ownerReferences: [controllerRefTo({ apiVersion: this.kind.apiVersion, kind: this.kind.kind, metadata: rs.metadata })],
      },
      spec: structuredClone(t.spec ?? {}),
    };
  }
}

const errorText = (e: unknown) => (e instanceof StatusError ? e.message : e instanceof Error ? e.message : String(e));
