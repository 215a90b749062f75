// The taints a node's Ready condition implies (Kubernetes' node lifecycle): Ready=Unknown means
// unreachable, Ready=False means not-ready; each as NoSchedule (no new pods) and NoExecute (evict
// pods that do not tolerate it). Pressure conditions add their NoSchedule taints. And when a pod
// must leave a NoExecute-tainted node.

import type { Node, NodeSpec } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { toleratesTaint, type Taint, type Toleration } from '../../api/scheduling/tolerations.js';
import { TAINT_DISK_PRESSURE, TAINT_MEMORY_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_NOT_READY, TAINT_PID_PRESSURE, TAINT_UNREACHABLE } from '../../api/well-known.js';

export const UNREACHABLE = TAINT_UNREACHABLE;
export const NOT_READY = TAINT_NOT_READY;

/**
 * TaintNodesByCondition: a True pressure condition keeps new pods off the node (NoSchedule only;
 * the node's own eviction manager decides who leaves). Pods that tolerate it still land there.
 */
export const CONDITION_TAINTS: Record<string, string> = {
  MemoryPressure: TAINT_MEMORY_PRESSURE,
  DiskPressure: TAINT_DISK_PRESSURE,
  PIDPressure: TAINT_PID_PRESSURE,
  NetworkUnavailable: TAINT_NETWORK_UNAVAILABLE,
};
const CONDITION_TAINT_KEYS = new Set(Object.values(CONDITION_TAINTS));

export function readyStatus(node: KObject): string | undefined {
  return ((node as Node).status?.conditions ?? []).find((c) => c.type === 'Ready')?.status;
}

/** The node's taints with the readiness taints set to what its Ready condition says. */
export function desiredTaints(node: KObject, now: string): Taint[] {
  const current = (node as Node).spec?.taints ?? [];
  const others = current.filter((t) => t.key !== UNREACHABLE && t.key !== NOT_READY && !(CONDITION_TAINT_KEYS.has(t.key) && t.effect === 'NoSchedule'));
  const conditions = (node as Node).status?.conditions ?? [];
  const pressure = Object.entries(CONDITION_TAINTS)
    .filter(([type]) => conditions.some((c) => c.type === type && c.status === 'True'))
    .map(([, key]) => current.find((t) => t.key === key && t.effect === 'NoSchedule') ?? { key, effect: 'NoSchedule', timeAdded: now });
  const ready = readyStatus(node);
  const key = ready === 'Unknown' ? UNREACHABLE : ready === 'False' ? NOT_READY : undefined;
  if (!key) return [...others, ...pressure];
  const keep = (effect: string) => current.find((t) => t.key === key && t.effect === effect) ?? { key, effect, timeAdded: now };
  return [...others, ...pressure, keep('NoSchedule'), keep('NoExecute')];
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

/**
 * Whether a Node update changes anything this controller acts on: the Ready condition's status,
 * the conditions that set taints (pressure, NetworkUnavailable), the taints themselves,
 * spec.unschedulable, deletion, or identity (uid). Heartbeats (lastHeartbeatTime, Lease renewals)
 * do not count: missing heartbeats are found by the controller's own periodic re-check, as
 * Kubernetes' monitorNodeHealth does, not by reacting to each one.
 */
export function nodeUpdateMatters(old: KObject | undefined, cur: KObject | undefined): boolean {
  if (!old || !cur) return true;
  if (old.metadata?.uid !== cur.metadata?.uid) return true;
  if (!!old.metadata?.deletionTimestamp !== !!cur.metadata?.deletionTimestamp) return true;
  const spec = (n: KObject) => (n.spec ?? {}) as NodeSpec;
  if (!!spec(old).unschedulable !== !!spec(cur).unschedulable) return true;
  if (JSON.stringify(spec(old).taints ?? []) !== JSON.stringify(spec(cur).taints ?? [])) return true;
  const status = (n: KObject, type: string) => ((n as Node).status?.conditions ?? []).find((c) => c.type === type)?.status;
  for (const type of ['Ready', ...Object.keys(CONDITION_TAINTS)]) if (status(old, type) !== status(cur, type)) return true;
  return false;
}
