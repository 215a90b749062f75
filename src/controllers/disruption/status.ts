// A budget's status from its pods and expected count (pure, as Kubernetes' disruption controller's
// trySync / updatePdbStatus): evictions recorded in disruptedPods count as done until the pod is
// seen deleting or DELETION_TIMEOUT passes; healthy means ready and neither.

import type { KObject } from '../../api/kind.js';
import { DELETION_TIMEOUT_MS, type Pdb, type PdbStatus, conditionUpToDate, desiredHealthyOf, disruptionsAllowedOf, withDisruptionAllowedCondition } from '../../api/kinds/policy/budget.js';
import { deepEqual } from '../../util/equal.js';
import { isReady } from '../util/pod-state.js';

export interface Computed {
  /** The status to write, or undefined when the stored one is up to date. */
  status?: PdbStatus;
  /** When an eviction recorded in disruptedPods expires and the budget must be looked at again (ms since epoch). */
  recheckAt?: number;
  /** Pod names the controller expected deleted but that were not (for NotDeleted events). */
  notDeleted: string[];
}

/** Evictions still pending: pods evicted less than DELETION_TIMEOUT ago and not yet deleting. */
export function pendingDisruptions(pdb: Pdb, pods: KObject[], now: number): { disrupted: Record<string, string>; recheckAt?: number; notDeleted: string[] } {
  const recorded = pdb.status?.disruptedPods;
  const disrupted: Record<string, string> = {};
  const notDeleted: string[] = [];
  let recheckAt: number | undefined;
  if (!recorded) return { disrupted, notDeleted };
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const name = pod.metadata?.name ?? '';
    const at = recorded[name];
    if (at === undefined) continue;
    const expectedDeletion = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (!(expectedDeletion >= now)) {
      notDeleted.push(name);
      continue;
    }
    if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
    disrupted[name] = at;
  }
  return { disrupted, recheckAt, notDeleted };
}

/** Ready pods that are neither deleting nor recently evicted. */
export function countHealthy(pods: KObject[], disrupted: Record<string, string>): number {
  let n = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (disrupted[pod.metadata?.name ?? ''] !== undefined) continue;
    if (isReady(pod)) n++;
  }
  return n;
}

/** The budget's next status given its matching pods and the expected pod count. */
export function computeStatus(pdb: Pdb, pods: KObject[], expected: number, now = Date.now()): Computed {
  const spec = pdb.spec ?? {};
  const desiredHealthy = desiredHealthyOf(spec, expected);
  const { disrupted, recheckAt, notDeleted } = pendingDisruptions(pdb, pods, now);
  const currentHealthy = countHealthy(pods, disrupted);
  const disruptionsAllowed = disruptionsAllowedOf(currentHealthy, desiredHealthy, expected);
  const old = pdb.status;
  const generation = pdb.metadata?.generation ?? 0;
  const same = old && old.currentHealthy === currentHealthy && old.desiredHealthy === desiredHealthy && old.expectedPods === expected && old.disruptionsAllowed === disruptionsAllowed && deepEqual(old.disruptedPods ?? {}, disrupted) && (old.observedGeneration ?? 0) === generation && conditionUpToDate(old);
  if (same) return { recheckAt, notDeleted };
  const next: PdbStatus = { observedGeneration: generation, disruptionsAllowed, currentHealthy, desiredHealthy, expectedPods: expected, conditions: old?.conditions ?? [] };
  if (Object.keys(disrupted).length > 0) next.disruptedPods = disrupted;
  return { status: withDisruptionAllowedCondition(next, now), recheckAt, notDeleted };
}
