// The OOM killer's preference between a node's processes, as the kubelet sets it: the node's own
// daemons (the agent, `gifee up`/`gifee server`) last of all, then Guaranteed pods, then Burstable
// pods by how small a share of the machine's memory they requested, BestEffort pods first.
// The kernel scores a process by its memory use in thousandths of RAM plus oom_score_adj, so a
// Burstable container that requested 30% of memory gets 700: it has to use 30% more than its
// request before it looks as bad as a BestEffort one.

import { parseQuantity } from '../../api/quantity.js';
import type { Container, Pod } from '../pods/types.js';
import { qosClass } from '../pods/container-config.js';

/** The kubelet's own score (and kube-proxy's): below every container. */
export const NODE_DAEMON_OOM_SCORE_ADJ = -999;
/** Guaranteed pods and node-critical pods. */
export const GUARANTEED_OOM_SCORE_ADJ = -997;
export const BEST_EFFORT_OOM_SCORE_ADJ = 1000;

/** Priority of system-node-critical pods (the kubelet treats them as Guaranteed whatever they ask). */
const NODE_CRITICAL_PRIORITY_CLASS = 'system-node-critical';

/**
 * oom_score_adj for one container of a pod on a node with memoryCapacity bytes.
 * Burstable: 1000 - 1000*request/capacity in integer arithmetic, kept in [1000-997, 999] so a
 * Burstable container always ranks above any Guaranteed one and below any BestEffort one.
 */
export function containerOomScoreAdj(pod: Pod, container: Container, memoryCapacity: number): number {
  if (pod.spec.priorityClassName === NODE_CRITICAL_PRIORITY_CLASS) return GUARANTEED_OOM_SCORE_ADJ;
  const qos = qosClass(pod);
  if (qos === 'Guaranteed') return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === 'BestEffort') return BEST_EFFORT_OOM_SCORE_ADJ;
  const request = memoryRequest(container);
  // No capacity known (cannot happen on Linux, but a bad input must not give NaN): treat as no request.
  const share = memoryCapacity > 0 ? Math.floor((1000 * request) / memoryCapacity) : 0;
  const adj = 1000 - share;
  if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) return 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (adj >= BEST_EFFORT_OOM_SCORE_ADJ) return BEST_EFFORT_OOM_SCORE_ADJ - 1;
  return adj;
}

/** The container's memory request in bytes (a limit alone defaults the request, as the API server does). */
function memoryRequest(c: Container): number {
  const q = c.resources?.requests?.memory ?? c.resources?.limits?.memory;
  if (q === undefined) return 0;
  const v = parseQuantity(q);
  return Number.isFinite(v) && v > 0 ? v : 0;
}
