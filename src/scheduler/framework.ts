// The scheduling framework (kube-scheduler's shape, narrowed): a plugin is one object with optional
// extension points. preFilter runs once per cycle and may precompute state or reject the pod
// outright; filter says whether one node can take the pod; score ranks the feasible nodes, then
// normalizeScore maps a plugin's raw scores onto 0..100 before they are weighted and summed.

import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';

export const MAX_NODE_SCORE = 100;

/**
 * Unschedulable: evicting pods might help (preemption considers the node).
 * UnschedulableAndUnresolvable: no eviction can help on this node.
 */
export type Code = 'Unschedulable' | 'UnschedulableAndUnresolvable';

export interface Status {
  code: Code;
  /** One or more reasons; each is counted in the "0/N nodes are available" summary. */
  reasons: string[];
}

export const unschedulable = (...reasons: string[]): Status => ({ code: 'Unschedulable', reasons });
export const unresolvable = (...reasons: string[]): Status => ({ code: 'UnschedulableAndUnresolvable', reasons });

/** Per-cycle scratch space plugins share between their own extension points. */
export class CycleState {
  private data = new Map<string, unknown>();
  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }
  write(key: string, value: unknown) {
    this.data.set(key, value);
  }
}

/** What plugins may see of the whole cluster during a cycle. */
export interface ClusterView {
  nodes: NodeInfo[];
  /** How many placed pods carry (anti-)affinity terms, and required anti-affinity: 0 lets plugins skip whole-cluster scans. */
  podsWithAffinity: number;
  podsWithRequiredAntiAffinity: number;
  namespaceLabels(namespace: string): Record<string, string> | undefined;
}

export interface Plugin {
  readonly name: string;
  /** Weight of this plugin's normalized score (kube's defaults: taints 3, affinity 2, resources 1). */
  readonly scoreWeight?: number;
  preFilter?(state: CycleState, pod: PodInfo, cluster: ClusterView): Status | undefined;
  filter?(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined;
  preScore?(state: CycleState, pod: PodInfo, feasible: NodeInfo[], cluster: ClusterView): void;
  score?(state: CycleState, pod: PodInfo, node: NodeInfo): number;
  /** Rewrites scores (aligned with the feasible nodes) in place onto 0..MAX_NODE_SCORE. */
  normalizeScore?(state: CycleState, pod: PodInfo, scores: number[]): void;
}

/** Scales scores so the highest becomes MAX_NODE_SCORE; reverse makes the lowest raw score win. */
export function defaultNormalize(scores: number[], reverse = false) {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  for (let i = 0; i < scores.length; i++) {
    if (max === 0) scores[i] = reverse ? MAX_NODE_SCORE : 0;
    else {
      const s = Math.floor((MAX_NODE_SCORE * scores[i]) / max);
      scores[i] = reverse ? MAX_NODE_SCORE - s : s;
    }
  }
}

export class Framework {
  private filters: Plugin[];
  private scorers: Plugin[];
  constructor(readonly plugins: Plugin[]) {
    this.filters = plugins.filter((p) => p.filter);
    this.scorers = plugins.filter((p) => p.score);
  }

  /** The first plugin rejecting the pod before any node is looked at, if one does. */
  runPreFilter(state: CycleState, pod: PodInfo, cluster: ClusterView): Status | undefined {
    for (const p of this.plugins) {
      const s = p.preFilter?.(state, pod, cluster);
      if (s) return s;
    }
    return undefined;
  }

  /** The first failing filter's status, or undefined when the node fits. */
  runFilter(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    for (const p of this.filters) {
      const s = p.filter!(state, pod, node);
      if (s) return s;
    }
    return undefined;
  }

  /** Weighted total score per feasible node. */
  runScore(state: CycleState, pod: PodInfo, feasible: NodeInfo[], cluster: ClusterView): number[] {
    const totals = new Array<number>(feasible.length).fill(0);
    for (const p of this.plugins) p.preScore?.(state, pod, feasible, cluster);
    for (const p of this.scorers) {
      const scores = feasible.map((n) => p.score!(state, pod, n));
      p.normalizeScore?.(state, pod, scores);
      const w = p.scoreWeight ?? 1;
      for (let i = 0; i < totals.length; i++) totals[i] += w * scores[i];
    }
    return totals;
  }
}
