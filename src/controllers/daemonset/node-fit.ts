// Whether a DaemonSet's pod belongs on a node, as Kubernetes decides it: the pod's nodeSelector and
// required node affinity match the node, and every NoSchedule/NoExecute taint is tolerated (to
// start a pod); only NoExecute taints matter for a pod already running there. The matching rules
// are the shared ones in src/api/scheduling, as the scheduler uses them.

import type { PodSpec } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { InvalidNodeSelectorError, nodeViewOf, podSpecMatchesNode } from '../../api/scheduling/node-selector.js';
import { taintsOfNode, tolerated } from '../../api/scheduling/tolerations.js';

export type { Taint, Toleration } from '../../api/scheduling/tolerations.js';

/** What node fit reads of a pod spec. */
export type PodSpecFit = Pick<PodSpec, 'nodeSelector' | 'tolerations' | 'affinity'>;

/** nodeSelector and required node affinity; a malformed term places the pod nowhere, as in Kubernetes. */
export function nodeMatches(spec: PodSpecFit, node: KObject): boolean {
  try {
    return podSpecMatchesNode(spec, nodeViewOf(node));
  } catch (e) {
    if (e instanceof InvalidNodeSelectorError) return false;
    throw e;
  }
}

/** shouldRun: a new daemon pod may start here. shouldContinueRunning: an existing one may stay. */
export function fit(spec: PodSpecFit, node: KObject): { shouldRun: boolean; shouldContinueRunning: boolean } {
  if (!nodeMatches(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const untolerated = taintsOfNode(node).filter((t) => !tolerated(spec.tolerations, t));
  return {
    shouldRun: !untolerated.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'),
    shouldContinueRunning: !untolerated.some((t) => t.effect === 'NoExecute'),
  };
}
