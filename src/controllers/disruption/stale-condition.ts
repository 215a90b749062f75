// A pod marked DisruptionTarget by an eviction that then did not delete it (the delete failed, a
// precondition no longer held) must not keep the mark: after STALE_DISRUPTION_MS the controller sets
// the condition to False, as Kubernetes' disruption controller does. Marks set by the node agent
// (TerminationByKubelet) and on finished pods are never stale.

import type { Pod } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { isTerminal } from '../util/pod-state.js';

export const STALE_DISRUPTION_MS = 2 * 60 * 1000;

/** undefined: nothing to clean up; else the milliseconds left before the mark is stale (0: now). */
export function staleDisruptionIn(pod: KObject, now = Date.now(), timeoutMs = STALE_DISRUPTION_MS): number | undefined {
  if (pod.metadata?.deletionTimestamp) return undefined;
  const c = ((pod as Pod).status?.conditions ?? []).find((x) => x.type === 'DisruptionTarget');
  if (c?.status !== 'True' || c.reason === 'TerminationByKubelet' || isTerminal(pod)) return undefined;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : Number.NaN;
  if (Number.isNaN(since)) return 0;
  return Math.max(0, timeoutMs - (now - since));
}
