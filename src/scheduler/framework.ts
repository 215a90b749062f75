// The scheduling framework (kube-scheduler's shape, narrowed): a plugin is one object with optional
// extension points. preFilter runs once per cycle and may precompute state or reject the pod
// outright; filter says whether one node can take the pod; score ranks the feasible nodes, then
// normalizeScore maps a plugin's raw scores onto 0..100 before they are weighted and summed. Once a
// node is chosen, reserve lets plugins claim what they chose (assumed volumes) before the next cycle
// runs; preBind (asynchronous, off the scheduling loop) does the API work the binding depends on;
// unreserve rolls reserve back when reserve, preBind or the binding fails.

import type { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';

export const MAX_NODE_SCORE = 100;

/**
 * Unschedulable: evicting pods might help (preemption considers the node).
 * UnschedulableAndUnresolvable: no eviction can help on this node.
 */
export type Code = 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Error';

export interface Status {
  code: Code;
  /** One or more reasons; each is counted in the "0/N nodes are available" summary. */
  reasons: string[];
}

export const unschedulable = (...reasons: string[]): Status => ({ code: 'Unschedulable', reasons });
export const unresolvable = (...reasons: string[]): Status => ({ code: 'UnschedulableAndUnresolvable', reasons });
/** Something failed (an API write, a timeout): not a verdict on the node; the pod is retried after backoff. */
export const errorStatus = (message: string): Status => ({ code: 'Error', reasons: [message] });

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
  /** The pod goes to `node`: record what this cycle chose so the next cycle sees it taken. */
  reserve?(state: CycleState, pod: PodInfo, node: string): Status | undefined;
  /** Undo reserve (idempotent; also called for plugins whose reserve never ran). */
  unreserve?(state: CycleState, pod: PodInfo, node: string): void;
  /** API work the binding needs first (volume bindings); runs off the scheduling loop. */
  preBind?(state: CycleState, pod: PodInfo, node: string): Promise<Status | undefined>;
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

  /** Reserve in plugin order; on the first failure every plugin's unreserve runs and its status is returned. */
  runReserve(state: CycleState, pod: PodInfo, node: string): Status | undefined {
    for (const p of this.plugins) {
      let s: Status | undefined;
      try {
        s = p.reserve?.(state, pod, node);
      } catch (e) {
        s = errorStatus(`running Reserve plugin "${p.name}": ${(e as Error).message}`);
      }
      if (s) {
        this.runUnreserve(state, pod, node);
        return s;
      }
    }
    return undefined;
  }

  /** Unreserve in reverse order; one plugin's failure does not stop the others. */
  runUnreserve(state: CycleState, pod: PodInfo, node: string) {
    for (let i = this.plugins.length - 1; i >= 0; i--) {
      try {
        this.plugins[i].unreserve?.(state, pod, node);
      } catch {
        /* best effort: nothing more to undo */
      }
    }
  }

  /** PreBind in plugin order; the first failure (its message prefixed like kube's) is returned. */
  async runPreBind(state: CycleState, pod: PodInfo, node: string): Promise<Status | undefined> {
    for (const p of this.plugins) {
      if (!p.preBind) continue;
      let s: Status | undefined;
      try {
        s = await p.preBind(state, pod, node);
      } catch (e) {
        s = errorStatus((e as Error).message);
      }
      if (s) return { code: s.code, reasons: [`running PreBind plugin "${p.name}": ${s.reasons.join(', ')}`] };
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
