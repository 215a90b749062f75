// Job conditions as Kubernetes 1.32 writes them: the terminal Complete/Failed are preceded by
// SuccessCriteriaMet/FailureTarget, which mark the decision while remaining pods are stopped.

import type { JobCondition } from '../../api/core/index.js';
import { nowRfc3339 } from '../util/pod-state.js';

export type { JobCondition };

export const findCondition = (cs: JobCondition[] | undefined, type: string) => (cs ?? []).find((c) => c.type === type);
export const isTrue = (cs: JobCondition[] | undefined, type: string) => findCondition(cs, type)?.status === 'True';
export const isFinished = (cs: JobCondition[] | undefined) => isTrue(cs, 'Complete') || isTrue(cs, 'Failed');

/** Sets a condition; the transition time moves only when the status changes. */
export function setCondition(cs: JobCondition[] | undefined, type: string, status: string, reason: string, message: string): JobCondition[] {
  const list = [...(cs ?? [])];
  const i = list.findIndex((c) => c.type === type);
  const now = nowRfc3339();
  if (i >= 0 && list[i].status === status && list[i].reason === reason) return list;
  const next = { type, status, reason, message, lastProbeTime: now, lastTransitionTime: i >= 0 && list[i].status === status ? list[i].lastTransitionTime : now };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}
