// One scheduling decision (kube's schedulePod): preFilter, filter nodes (sampling a share of them in
// big clusters, as kube's percentageOfNodesToScore does, starting where the previous cycle stopped so
// every node gets its turn), score the feasible ones and pick the best. When nothing fits, a FitError
// carries every node's reason for the "0/3 nodes are available: ..." message.

import type { SchedulerCache } from './cache.js';
import { CycleState, type ClusterView, type Framework, type Status } from './framework.js';
import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';

export interface Diagnosis {
  /** node name → why it was rejected. */
  statuses: Map<string, Status>;
  /** Set when preFilter rejected the pod for every node at once. */
  preFilter?: Status;
}

export const ERR_NO_NODES = 'no nodes available to schedule pods';

/** "1 Insufficient cpu, 2 node(s) had untolerated taint {a: b}": counts per reason, sorted like kube. */
export function reasonHistogram(reasons: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts]
    .map(([r, n]) => `${n} ${r}`)
    .sort()
    .join(', ');
}

export class FitError extends Error {
  constructor(
    readonly pod: PodInfo,
    readonly numNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    super(fitErrorMessage(numNodes, diagnosis));
    this.name = 'FitError';
  }
}

export function fitErrorMessage(numNodes: number, d: Diagnosis): string {
  if (numNodes === 0) return ERR_NO_NODES;
  // A preFilter verdict is about the pod, not any node: said once, as kube does, not counted per node.
  if (d.preFilter) return `0/${numNodes} nodes are available: ${d.preFilter.reasons.join(', ')}.`;
  return `0/${numNodes} nodes are available: ${reasonHistogram([...d.statuses.values()].flatMap((s) => s.reasons))}.`;
}

/** kube's adaptive share: all nodes under 100, else 50% minus 1% per 125 nodes, at least 5% and 100 nodes. */
export function numFeasibleNodesToFind(total: number, percentage?: number): number {
  if (total < 100) return total;
  const pct = percentage ?? Math.max(5, 50 - Math.floor(total / 125));
  return Math.min(total, Math.max(100, Math.floor((total * pct) / 100)));
}

export interface ScheduleResult {
  node: string;
  /** The cycle's state, which reserve and preBind read. */
  state: CycleState;
  evaluated: number;
  feasible: number;
}

export function clusterView(cache: SchedulerCache, nodes = cache.nodeList()): ClusterView {
  return { nodes, namespaceLabels: (ns) => cache.namespaceLabels.get(ns), podsWithAffinity: cache.podsWithAffinity.size, podsWithRequiredAntiAffinity: cache.podsWithRequiredAntiAffinity.size };
}

export class Algorithm {
  private nextStart = 0;

  constructor(
    private fw: Framework,
    private cache: SchedulerCache,
    private percentageOfNodesToScore?: number,
  ) {}

  /** The chosen node; throws FitError when none fits, or an Error for a pod it cannot evaluate. */
  schedule(pod: PodInfo): ScheduleResult {
    const nodes = this.cache.nodeList();
    const diagnosis: Diagnosis = { statuses: new Map() };
    if (nodes.length === 0) throw new FitError(pod, 0, diagnosis);
    const state = new CycleState();
    const cluster = clusterView(this.cache, nodes);
    const pre = this.fw.runPreFilter(state, pod, cluster);
    if (pre) {
      diagnosis.preFilter = pre;
      throw new FitError(pod, nodes.length, diagnosis);
    }
    const want = numFeasibleNodesToFind(nodes.length, this.percentageOfNodesToScore);
    const feasible: NodeInfo[] = [];
    let processed = 0;
    for (; processed < nodes.length && feasible.length < want; processed++) {
      const node = nodes[(this.nextStart + processed) % nodes.length];
      const s = this.filterWithNominated(state, pod, node);
      if (s) diagnosis.statuses.set(node.name, s);
      else feasible.push(node);
    }
    this.nextStart = (this.nextStart + processed) % nodes.length;
    if (feasible.length === 0) throw new FitError(pod, nodes.length, diagnosis);
    if (feasible.length === 1) return { node: feasible[0].name, state, evaluated: processed, feasible: 1 };
    const scores = this.fw.runScore(state, pod, feasible, cluster);
    return { node: selectHost(feasible, scores), state, evaluated: processed, feasible: feasible.length };
  }

  /** Pods nominated to a node (preemptors of at least this priority) count as already there. */
  private filterWithNominated(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    const extra = this.cache.nominatedOn(node.name, pod.priority, pod.key);
    if (extra.length === 0) return this.fw.runFilter(state, pod, node);
    const c = node.clone();
    for (const p of extra) c.addPod(p);
    return this.fw.runFilter(state, pod, c);
  }
}

/** The highest score; ties broken at random (reservoir sampling) so equal nodes share the load. */
export function selectHost(nodes: NodeInfo[], scores: number[]): string {
  let best = 0;
  let ties = 1;
  for (let i = 1; i < nodes.length; i++) {
    if (scores[i] > scores[best]) {
      best = i;
      ties = 1;
    } else if (scores[i] === scores[best]) {
      ties++;
      if (Math.random() * ties < 1) best = i;
    }
  }
  return nodes[best].name;
}
