// Which pods a ReplicaSet deletes first when scaling down (ActivePodsWithRanks in
// k8s.io/kubernetes pkg/controller): the ones whose loss hurts least go first.
//   1. unscheduled before scheduled
//   2. Pending before Unknown before Running
//   3. not ready before ready
//   4. lower controller.kubernetes.io/pod-deletion-cost first
//   5. pods doubled up on a node (with related pods) before lone ones
//   6. ready for less time before ready for longer
//   7. more container restarts first
//   8. newer before older

import { isPodReady, readySince } from './pod-state.js';
import type { Pod } from '../util/workload-types.js';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const restarts = (p: Pod) => (p.status?.containerStatuses ?? []).reduce((n, c) => Math.max(n, c.restartCount ?? 0), 0);
const cost = (p: Pod) => {
  const v = Number(p.metadata.annotations?.[DELETION_COST] ?? 0);
  return Number.isFinite(v) ? v : 0;
};
const created = (p: Pod) => (p.metadata.creationTimestamp ? Date.parse(p.metadata.creationTimestamp) : 0);

/** Negative when `a` should be deleted before `b`. `rank` counts related pods on the same node. */
export function compareForDeletion(a: Pod, b: Pod, rank: Map<Pod, number> = new Map()): number {
  const aNode = !!a.spec?.nodeName;
  const bNode = !!b.spec?.nodeName;
  if (aNode !== bNode) return aNode ? 1 : -1;
  const pa = PHASE_ORDER[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = PHASE_ORDER[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  if (cost(a) !== cost(b)) return cost(a) - cost(b);
  const na = rank.get(a) ?? 0;
  const nb = rank.get(b) ?? 0;
  if (na !== nb) return nb - na;
  if (ra && rb) {
    const ta = readySince(a)!;
    const tb = readySince(b)!;
    if (ta !== tb) return tb - ta; // became ready later = ready for less time: first
  }
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  return created(b) - created(a);
}

/** The `n` pods to delete, ranked against related pods (those of sibling ReplicaSets) per node. */
export function podsToDelete(pods: Pod[], related: Pod[], n: number): Pod[] {
  if (n >= pods.length) return pods.slice();
  const perNode = new Map<string, number>();
  for (const p of related) if (p.spec?.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const rank = new Map(pods.map((p) => [p, p.spec?.nodeName ? (perNode.get(p.spec.nodeName) ?? 0) : 0]));
  return pods
    .slice()
    .sort((a, b) => compareForDeletion(a, b, rank))
    .slice(0, n);
}
