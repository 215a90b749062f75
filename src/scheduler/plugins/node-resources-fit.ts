// NodeResourcesFit: the pod's requests must fit in what the node's allocatable leaves after the pods
// already there (cpu, memory, ephemeral-storage, extended resources, and the pod count). Scoring:
// LeastAllocated (prefer emptier nodes) and BalancedAllocation (prefer nodes whose cpu and memory
// use stay even), both on non-zero requests so empty pods still spread.

import { MAX_NODE_SCORE, unschedulable, type Plugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';

/** Each resource the pod cannot get on the node, as kube's reasons ("Insufficient cpu", "Too many pods"). */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] | undefined {
  let out: string[] | undefined;
  const alloc = node.allocatable;
  if (node.pods.size + 1 > (alloc.pods ?? 0)) (out ??= []).push('Too many pods');
  // The hot path of every cycle: no allocation unless something is missing.
  for (const [r, want] of pod.requestList) {
    if ((node.requested[r] ?? 0) + want > (alloc[r] ?? 0)) (out ??= []).push(`Insufficient ${r}`);
  }
  return out;
}

/** LeastAllocated for one resource: the share left free, 0..100. (Module level: this runs per node per cycle.) */
function leastAllocated(req: number, cap: number) {
  return cap <= 0 || req > cap ? 0 : ((cap - req) * MAX_NODE_SCORE) / cap;
}

export const nodeResourcesFit: Plugin = {
  name: 'NodeResourcesFit',
  scoreWeight: 1,
  filter(_s, pod, node) {
    if (node.invalid) return unschedulable(node.invalid);
    const missing = insufficientResources(pod, node);
    return missing ? unschedulable(...missing) : undefined;
  },
  score(_s, pod, node) {
    const cpu = node.allocatable.cpu ?? 0;
    const mem = node.allocatable.memory ?? 0;
    return Math.floor((leastAllocated(node.nonZeroRequested.cpu + pod.nonZero.cpu, cpu) + leastAllocated(node.nonZeroRequested.memory + pod.nonZero.memory, mem)) / 2);
  },
};

export const nodeResourcesBalancedAllocation: Plugin = {
  name: 'NodeResourcesBalancedAllocation',
  scoreWeight: 1,
  score(_s, pod, node) {
    const cpu = node.allocatable.cpu ?? 0;
    const mem = node.allocatable.memory ?? 0;
    if (cpu <= 0 || mem <= 0) return 0;
    const fc = Math.min(1, (node.nonZeroRequested.cpu + pod.nonZero.cpu) / cpu);
    const fm = Math.min(1, (node.nonZeroRequested.memory + pod.nonZero.memory) / mem);
    // Standard deviation of two fractions is half their distance.
    const std = Math.abs(fc - fm) / 2;
    return Math.floor((1 - std) * MAX_NODE_SCORE);
  },
};
