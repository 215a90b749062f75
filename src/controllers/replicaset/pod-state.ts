// Pod readiness and availability as the workload controllers judge them (k8s.io/kubernetes
// pkg/api/v1/pod): ready = the Ready condition is True; available = ready for minReadySeconds.

import type { Pod } from '../util/workload-types.js';

export const readyCondition = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready');

export const isPodReady = (p: Pod) => readyCondition(p)?.status === 'True';

/** When the pod became ready (ms since epoch), or undefined if it is not ready. */
export function readySince(p: Pod): number | undefined {
  const c = readyCondition(p);
  if (c?.status !== 'True') return undefined;
  const t = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

export function isPodAvailable(p: Pod, minReadySeconds: number, now = Date.now()): boolean {
  const since = readySince(p);
  if (since === undefined) return false;
  return minReadySeconds <= 0 || since + minReadySeconds * 1000 <= now;
}

/** Active pods count towards replicas: not finished and not being deleted. */
export const isPodActive = (p: Pod) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !p.metadata.deletionTimestamp;
