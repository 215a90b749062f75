// The DaemonSet controller: one pod per eligible node (nodeSelector, node affinity, taints with the
// automatic daemon tolerations), each pinned to its node by a required node affinity on
// metadata.name and bound by the scheduler, as in Kubernetes. Failed pods are replaced, pods on
// nodes they no longer fit are removed. RollingUpdate replaces old-revision pods within
// maxUnavailable (delete then create) or maxSurge (create, then delete the old one once the new one
// is available); OnDelete only uses the new template for new pods. ControllerRevisions record the
// templates; status reports the scheduled, ready, available, updated and misscheduled counts.

import type { KObject } from '../../api/kind.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, type InformerLike } from '../../client/informer.js';
import { byControllerUid, INDEX_CONTROLLER_UID, INDEX_NAMESPACE } from '../../client/indexer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isConflict, isNotFound, type RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';
import { Expectations } from '../util/name-expectations.js';
import { isAvailable, isReady, ownedBy, phaseOf } from '../util/pod-state.js';
import { REVISION_HASH_LABEL, syncRevisions, templateOf, truncateHistory } from '../util/revisions.js';
import { fit } from './node-fit.js';
import { daemonPod, nodeOfDaemonPod, withDaemonTolerations, type DaemonTemplate } from './pod-template.js';
import { rollingBudget } from './rolling.js';

const KIND = { apiVersion: 'apps/v1', kind: 'DaemonSet' };

interface DaemonSetSpec {
  template: DaemonTemplate;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  updateStrategy?: { type?: string; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
}

export class DaemonSetController extends Controller {
  private sets: InformerLike;
  private pods: InformerLike;
  private nodes: InformerLike;
  private revisions: InformerLike;
  private expectations = new Expectations();
  private events: EventRecorder;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('daemonset', log, factory, 2);
    this.events = new EventRecorder(client, 'daemonset-controller', log);
    this.sets = this.informers.informer(R.daemonsets);
    this.pods = this.informers.informer(R.pods, {}, { [INDEX_CONTROLLER_UID]: byControllerUid });
    this.nodes = this.informers.informer(R.nodes);
    this.revisions = this.informers.informer(R.controllerrevisions);
    this.watch(this.sets, (_old, o) => o && keyOf(o));
    this.watch(this.pods, (old, o) => this.controllerOwnerKey((o ?? old)!, 'DaemonSet', this.sets));
    // A new or removed node, or a change of its labels or spec (taints, unschedulable), may change
    // where daemons belong; status updates (heartbeats) do not.
    this.watch(this.nodes, (old, o) => (old && o && deepEqual(old.metadata?.labels, o.metadata?.labels) && deepEqual(old.spec, o.spec) ? undefined : this.sets.list().map(keyOf)));
  }

  protected async reconcile(key: string) {
    const ds = this.sets.get(key);
    if (!ds) return this.expectations.forget(key);
    if (ds.metadata?.deletionTimestamp) return;
    if (!this.expectations.satisfied(key, (k) => this.pods.get(k))) return;
    const spec = ds.spec as DaemonSetSpec;
    const ns = ds.metadata!.namespace!;
    const revs = await syncRevisions(this.client, ds, KIND, spec.template, this.revisions.byIndex(INDEX_NAMESPACE, ns), undefined);
    const hash = revs.update.metadata!.labels![REVISION_HASH_LABEL];
    const podSpec = withDaemonTolerations(spec.template.spec);
    const minReady = spec.minReadySeconds ?? 0;
    const available = (p: KObject) => isAvailable(p, minReady);
    const isNew = (p: KObject) => p.metadata?.labels?.[REVISION_HASH_LABEL] === hash;

    const byNode = new Map<string, KObject[]>();
    const pods = ownedBy(this.pods.byIndex(INDEX_CONTROLLER_UID, ds.metadata!.uid!), ds);
    for (const p of pods) {
      const n = nodeOfDaemonPod(p);
      if (n) byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    const toCreate: string[] = [];
    const toDelete: KObject[] = [];
    const eligible: { node: string; live: KObject[] }[] = [];
    const counts = { desired: 0, current: 0, misscheduled: 0, ready: 0, available: 0, updated: 0 };
    const nodeNames = new Set<string>();
    for (const node of this.nodes.list()) {
      const name = node.metadata!.name!;
      nodeNames.add(name);
      const { shouldRun, shouldContinueRunning } = fit(podSpec, node);
      const all = byNode.get(name) ?? [];
      let live = all.filter((p) => !p.metadata?.deletionTimestamp);
      if (shouldRun) counts.desired++;
      const failed = live.filter((p) => phaseOf(p) === 'Failed');
      if (failed.length) {
        this.events.record(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${ns}/${failed[0].metadata!.name} on node ${name}, will try to kill it`);
        toDelete.push(...failed);
        live = live.filter((p) => !failed.includes(p));
      }
      if (!shouldContinueRunning) {
        toDelete.push(...live);
        if (live.length) counts.misscheduled++;
        continue;
      }
      if (live.length && !shouldRun) counts.misscheduled++;
      if (!shouldRun) continue;
      if (all.length === 0 && !failed.length) toCreate.push(name);
      // Two pods on a node outside a surge: keep the oldest of each revision, at most one old and one new.
      const newest = live.filter(isNew).sort(byAge);
      const oldest = live.filter((p) => !isNew(p)).sort(byAge);
      toDelete.push(...newest.slice(1), ...oldest.slice(1));
      live = [...newest.slice(0, 1), ...oldest.slice(0, 1)];
      eligible.push({ node: name, live });
      if (live.length) counts.current++;
      const shown = newest[0] ?? oldest[0];
      if (shown && isReady(shown)) counts.ready++;
      if (shown && available(shown)) counts.available++;
      if (newest.length) counts.updated++;
    }
    // Pods for nodes that no longer exist.
    for (const [n, ps] of byNode) if (!nodeNames.has(n)) toDelete.push(...ps.filter((p) => !p.metadata?.deletionTimestamp));

    if ((spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      const { maxSurge, maxUnavailable } = rollingBudget(spec.updateStrategy?.rollingUpdate, counts.desired);
      if (maxSurge === 0) {
        let unavailable = 0;
        const candidates: KObject[] = [];
        for (const { live } of eligible) {
          const fresh = live.find(isNew);
          const old = live.find((p) => !isNew(p));
          if (!live.length || (fresh && !available(fresh))) unavailable++;
          else if (!fresh && old) {
            if (!available(old))
              toDelete.push(old); // already unavailable: replacing it costs nothing
            else candidates.push(old);
          }
        }
        toDelete.push(...candidates.slice(0, Math.max(0, maxUnavailable - unavailable)));
      } else {
        let surging = eligible.filter(({ live }) => live.length === 2).length;
        for (const { node, live } of eligible) {
          const fresh = live.find(isNew);
          const old = live.find((p) => !isNew(p));
          if (!old) continue;
          if (fresh) {
            if (available(fresh)) toDelete.push(old);
          } else if (!available(old)) toDelete.push(old);
          else if (surging < maxSurge) {
            toCreate.push(node);
            surging++;
          }
        }
      }
    }

    const template = templateOf(revs.update) as unknown as DaemonTemplate;
    await Promise.all([
      ...toDelete.map(async (p) => {
        this.expectations.expectDelete(key, keyOf(p));
        await this.client.delete(R.pods, ns, p.metadata!.name!, { preconditions: { uid: p.metadata!.uid } }).catch(ignoreGone);
        this.events.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata!.name}`);
      }),
      ...toCreate.map(async (node) => {
        try {
          const pod = await this.client.create(R.pods, ns, daemonPod(ds, template, hash, node));
          this.expectations.expectCreate(key, keyOf(pod));
          this.events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata!.name}`);
        } catch (e) {
          this.events.record(ds, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
          throw e;
        }
      }),
    ]);

    const status = (ds.status ?? {}) as Record<string, unknown>;
    const next: Record<string, unknown> = {
      ...status,
      observedGeneration: ds.metadata!.generation,
      desiredNumberScheduled: counts.desired,
      currentNumberScheduled: counts.current,
      numberMisscheduled: counts.misscheduled,
      numberReady: counts.ready,
      numberAvailable: counts.available,
      numberUnavailable: Math.max(0, counts.desired - counts.available),
      updatedNumberScheduled: counts.updated,
      collisionCount: revs.collisionCount,
    };
    if (!next.numberAvailable) delete next.numberAvailable;
    if (!next.numberUnavailable) delete next.numberUnavailable;
    if (!deepEqual(next, status)) await this.client.update(R.daemonsets, { ...ds, status: next }, 'status');
    const liveHashes = new Set(pods.map((p) => p.metadata?.labels?.[REVISION_HASH_LABEL] ?? ''));
    await truncateHistory(this.client, revs, spec.revisionHistoryLimit ?? 10, liveHashes, (r) => r.metadata?.labels?.[REVISION_HASH_LABEL] ?? '');
    if (minReady && counts.available < counts.ready) this.queue.addAfter(key, minReady * 1000);
  }
}

const byAge = (a: KObject, b: KObject) => (a.metadata!.creationTimestamp ?? '').localeCompare(b.metadata!.creationTimestamp ?? '') || a.metadata!.name!.localeCompare(b.metadata!.name!);

function ignoreGone(e: unknown) {
  if (isNotFound(e) || isConflict(e)) return undefined;
  throw e;
}
