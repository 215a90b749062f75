// The disruption controller: keeps every PodDisruptionBudget's status (currentHealthy,
// desiredHealthy, expectedPods, disruptionsAllowed, disruptedPods, observedGeneration and the
// DisruptionAllowed condition) from the pods it selects, as Kubernetes' does. The API server's
// eviction subresource spends disruptionsAllowed; this controller recomputes it as pods come and go.
// A budget whose expected count cannot be computed fails safe: no disruptions, reason SyncFailed.
// It also clears eviction marks (DisruptionTarget) left on pods an eviction did not delete.

import type { KObject } from '../../api/kind.js';
import { DISRUPTION_ALLOWED, type Pdb, SYNC_FAILED, controllerSelects, needsScale, setCondition } from '../../api/kinds/policy/budget.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, type InformerLike } from '../../client/informer.js';
import { INDEX_NAMESPACE } from '../../client/indexer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isConflict, isNotFound, type RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';
import { writeStatus } from '../util/write-status.js';
import { expectedScale } from './expected-scale.js';
import { computeStatus } from './status.js';
import { staleDisruptionIn } from './stale-condition.js';
import { nowRfc3339 } from '../util/pod-state.js';

/** Queue keys of pods whose eviction mark may be stale, beside the budgets' own ns/name keys. */
const STALE = 'stale:';

export const PDB_RESOURCE = { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets' };

export class DisruptionController extends Controller {
  readonly pdbs: InformerLike;
  readonly pods: InformerLike;
  private readonly replicaSets: InformerLike;
  private readonly deployments: InformerLike;
  private readonly statefulSets: InformerLike;
  private events: EventRecorder;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('disruption', log, factory, 2);
    this.events = new EventRecorder(client, 'controllermanager', log);
    this.pdbs = this.informers.informer(PDB_RESOURCE);
    this.pods = this.informers.informer(R.pods);
    this.replicaSets = this.informers.informer(R.replicasets);
    this.deployments = this.informers.informer(R.deployments);
    this.statefulSets = this.informers.informer(R.statefulsets);
    this.watch(this.pdbs, (old, o) => keyOf((o ?? old)!));
    // A pod change wakes the budgets that select it, before and after (its labels may have changed).
    this.watch(this.pods, (old, o) => {
      const keys = new Set<string>();
      for (const p of [old, o]) if (p) for (const k of this.budgetsOf(p)) keys.add(k);
      return keys;
    });
    // Eviction marks that outlived their eviction are cleared (keys `stale:ns/name`, when due).
    this.pods.addHandlers({ onAdd: (p) => this.checkStale(p), onUpdate: (_old, p) => this.checkStale(p) });
    // A scale change moves percentage budgets before any pod changes.
    const scaled = (old: KObject | undefined, o: KObject | undefined) => {
      const replicas = (x?: KObject) => (x?.spec as { replicas?: number } | undefined)?.replicas;
      if (old && o && replicas(old) === replicas(o)) return undefined;
      const ns = (o ?? old)?.metadata?.namespace ?? '';
      return this.pdbs.byIndex(INDEX_NAMESPACE, ns).map(keyOf);
    };
    this.watch(this.deployments, scaled);
    this.watch(this.replicaSets, scaled);
    this.watch(this.statefulSets, scaled);
  }

  private budgetsOf(pod: KObject): string[] {
    const labels = (pod.metadata?.labels ?? {}) as Record<string, string>;
    return this.pdbs
      .byIndex(INDEX_NAMESPACE, pod.metadata?.namespace ?? '')
      .filter((b) => controllerSelects(b as Pdb, labels))
      .map(keyOf);
  }

  private checkStale(pod: KObject) {
    const due = staleDisruptionIn(pod);
    if (due === undefined) return;
    const key = `${STALE}${keyOf(pod)}`;
    if (due === 0) this.queue.add(key);
    else this.queue.addAfter(key, due + 100);
  }

  /** Sets a stale DisruptionTarget condition to False, on the pod version it was seen on. */
  private async clearStale(podKey: string) {
    const pod = this.pods.get(podKey);
    if (!pod) return undefined;
    const due = staleDisruptionIn(pod);
    if (due === undefined) return undefined;
    if (due > 0) return { requeueAfter: due + 100 };
    const patch = { metadata: { resourceVersion: pod.metadata?.resourceVersion }, status: { conditions: [{ type: 'DisruptionTarget', status: 'False', lastTransitionTime: nowRfc3339() }] } };
    await this.client.patch(R.pods, pod.metadata?.namespace, pod.metadata!.name!, patch, 'strategic', 'status').catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
    return undefined;
  }

  protected async reconcile(key: string) {
    if (key.startsWith(STALE)) return this.clearStale(key.slice(STALE.length));
    const pdb = this.pdbs.get(key) as Pdb | undefined;
    if (!pdb) return undefined;
    try {
      return await this.sync(pdb);
    } catch (e) {
      // A conflict is someone else's newer write (an eviction): retry from the cache, no fail-safe.
      if (isConflict(e)) throw e;
      await this.failSafe(pdb, e);
      throw e;
    }
  }

  private async sync(pdb: Pdb) {
    const ns = pdb.metadata?.namespace ?? '';
    const pods = this.pods.byIndex(INDEX_NAMESPACE, ns).filter((p) => controllerSelects(pdb, (p.metadata?.labels ?? {}) as Record<string, string>));
    if (pods.length === 0) this.events.record(pdb, 'Normal', 'NoPods', 'No matching pods found');
    let expected = pods.length;
    if (needsScale(pdb.spec ?? {})) {
      let result: Awaited<ReturnType<typeof expectedScale>>;
      try {
        result = await expectedScale({ replicaSets: this.replicaSets, deployments: this.deployments, statefulSets: this.statefulSets, client: this.client }, pods);
      } catch (e) {
        this.events.record(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(e as Error).message}`);
        throw e;
      }
      expected = result.expected;
      if (result.unmanaged.length > 0) {
        this.events.record(
          pdb,
          'Warning',
          'UnmanagedPods',
          'Pods selected by this PodDisruptionBudget were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
        );
      }
    }
    const now = Date.now();
    const computed = computeStatus(pdb, pods, expected, now);
    for (const name of computed.notDeleted) {
      const pod = pods.find((p) => p.metadata?.name === name);
      if (pod) this.events.record(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${ns}/${pdb.metadata?.name} to be deleted but it wasn't`);
    }
    if (computed.status) await this.write(pdb, computed.status);
    return computed.recheckAt !== undefined ? { requeueAfter: Math.max(0, computed.recheckAt - now) + 100 } : undefined;
  }

  /** Writes through the status subresource; a conflict is returned to the caller (the eviction won: recompute). */
  private async write(pdb: Pdb, status: unknown) {
    await this.client.update(PDB_RESOURCE, { ...pdb, status }, 'status');
  }

  /** No disruptions while the budget cannot be computed (Kubernetes' failSafe). */
  private async failSafe(pdb: Pdb, err: unknown) {
    const old = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    const conditions = setCondition(old.conditions ?? [], { type: DISRUPTION_ALLOWED, status: 'False', reason: SYNC_FAILED, message: (err as Error)?.message ?? String(err), observedGeneration: old.observedGeneration });
    const next = { ...old, disruptionsAllowed: 0, conditions };
    if (deepEqual(next, pdb.status)) return;
    try {
      await writeStatus(this.client, PDB_RESOURCE, pdb, next);
    } catch (e) {
      this.log.warn('could not write the fail-safe status of a PodDisruptionBudget', { pdb: keyOf(pdb), err: e });
    }
  }
}
