// The taints a node's Ready condition implies (Kubernetes' node lifecycle): Ready=Unknown means
// unreachable, Ready=False means not-ready; each as NoSchedule (no new pods) and NoExecute (evict
// pods that do not tolerate it). And when a pod must leave a NoExecute-tainted node.

import type { KObject } from '../../api/kind.js';
import { toleratesTaint, type Taint, type Toleration } from '../../api/scheduling/tolerations.js';

export const UNREACHABLE = 'node.kubernetes.io/unreachable';
export const NOT_READY = 'node.kubernetes.io/not-ready';

export function readyStatus(node: KObject): string | undefined {
  return ((node.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === 'Ready')?.status;
}

/** The node's taints with the readiness taints set to what its Ready condition says. */
export function desiredTaints(node: KObject, now: string): Taint[] {
  const current = ((node.spec as { taints?: Taint[] } | undefined)?.taints ?? []);
  const others = current.filter((t) => t.key !== UNREACHABLE && t.key !== NOT_READY);
  const ready = readyStatus(node);
  const key = ready === 'Unknown' ? UNREACHABLE : ready === 'False' ? NOT_READY : undefined;
  if (!key) return others;
  const keep = (effect: string) => current.find((t) => t.key === key && t.effect === effect) ?? { key, effect, timeAdded: now };
  return [...others, keep('NoSchedule'), keep('NoExecute')];
}

/**
 * When a pod on a node with these taints must be evicted: 0 for now (a NoExecute taint it does not
 * tolerate), a time (taint added + the shortest tolerationSeconds among matching tolerations), or
 * undefined when it may stay.
 */
export function evictionTime(taints: Taint[], tolerations: Toleration[] | undefined, nowMs: number): number | undefined {
  let at: number | undefined;
  for (const taint of taints.filter((t) => t.effect === 'NoExecute')) {
    const matching = (tolerations ?? []).filter((t) => toleratesTaint(t, taint));
    if (!matching.length) return 0;
    // As Kubernetes: the smallest tolerationSeconds among the matching tolerations; none means forever.
    const seconds = matching.map((t) => t.tolerationSeconds).filter((x): x is number => typeof x === 'number');
    if (!seconds.length) continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : nowMs;
    const due = added + Math.max(0, Math.min(...seconds)) * 1000;
    at = at === undefined ? due : Math.min(at, due);
  }
  return at;
}
