// PodTopologySpread: matching pods must spread across topology domains so that no domain has more
// than maxSkew pods above the emptiest one (DoNotSchedule filters, ScheduleAnyway scores). Domains
// are counted on nodes that carry every constraint's topology key and, by default, satisfy the
// pod's node affinity (nodeAffinityPolicy Honor) regardless of taints (nodeTaintsPolicy Ignore).

import type { Selector } from '../../api/labels.js';
import { MAX_NODE_SCORE, unresolvable, unschedulable, type ClusterView, type CycleState, type Plugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import { parseSelector, type PodInfo } from '../pod-info.js';
import { asArray, type Taint, type Toleration, type TopologySpreadConstraint } from '../types.js';
import { podMatchesNode } from './node-affinity.js';
import { tolerated } from '../../api/scheduling/tolerations.js';

export const ERR_SPREAD = "node(s) didn't match pod topology spread constraints";
export const ERR_SPREAD_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  hard: boolean;
  selector: Selector;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
}

function constraints(pod: PodInfo): Constraint[] {
  return asArray<TopologySpreadConstraint>(pod.pod.spec?.topologySpreadConstraints).map((c, i) => {
    const where = `spec.topologySpreadConstraints[${i}]`;
    if (!c?.topologyKey) throw new Error(`${where}.topologyKey: Required value: can not be empty`);
    const maxSkew = Number(c.maxSkew);
    if (!(maxSkew >= 1)) throw new Error(`${where}.maxSkew: Invalid value: ${JSON.stringify(c.maxSkew)}: must be greater than zero`);
    if (c.whenUnsatisfiable !== 'DoNotSchedule' && c.whenUnsatisfiable !== 'ScheduleAnyway') throw new Error(`${where}.whenUnsatisfiable: Unsupported value: ${JSON.stringify(c.whenUnsatisfiable)}`);
    const base = parseSelector(c.labelSelector, `${where}.labelSelector`);
    const keys = asArray<string>(c.matchLabelKeys).filter((k) => k in pod.labels);
    const selector: Selector = keys.length ? { requirements: base.requirements, matches: (l) => base.matches(l) && keys.every((k) => l[k] === pod.labels[k]) } : base;
    return {
      maxSkew,
      topologyKey: c.topologyKey,
      hard: c.whenUnsatisfiable === 'DoNotSchedule',
      selector,
      minDomains: Number(c.minDomains) || 1,
      honorAffinity: c.nodeAffinityPolicy !== 'Ignore',
      honorTaints: c.nodeTaintsPolicy === 'Honor',
    };
  });
}

interface Domains {
  constraints: Constraint[];
  /** Per constraint: domain value → matching pods. */
  counts: Map<string, number>[];
}

function untoleratedTaint(pod: PodInfo, node: NodeInfo): boolean {
  const tol = asArray<Toleration>(pod.pod.spec?.tolerations);
  return node.taints.some((t: Taint) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerated(tol, t));
}

function countDomains(pod: PodInfo, list: Constraint[], cluster: ClusterView): Domains {
  const counts = list.map(() => new Map<string, number>());
  for (const n of cluster.nodes) {
    if (!list.every((c) => n.labels[c.topologyKey] !== undefined)) continue;
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (c.honorAffinity && !podMatchesNode(pod, n)) continue;
      if (c.honorTaints && untoleratedTaint(pod, n)) continue;
      let matching = 0;
      for (const p of n.pods.values()) {
        if (p.key !== pod.key && p.namespace === pod.namespace && !p.pod.metadata?.deletionTimestamp && c.selector.matches(p.labels)) matching++;
      }
      const v = n.labels[c.topologyKey];
      counts[i].set(v, (counts[i].get(v) ?? 0) + matching);
    }
  }
  return { constraints: list, counts };
}

const FILTER_KEY = 'PodTopologySpread/filter';
const SCORE_KEY = 'PodTopologySpread/score';

export const podTopologySpread: Plugin = {
  name: 'PodTopologySpread',
  scoreWeight: 2,
  preFilter(state: CycleState, pod, cluster) {
    const hard = constraints(pod).filter((c) => c.hard);
    if (hard.length) state.write(FILTER_KEY, countDomains(pod, hard, cluster));
    return undefined;
  },
  filter(state, pod, node) {
    const d = state.read<Domains>(FILTER_KEY);
    if (!d) return undefined;
    for (let i = 0; i < d.constraints.length; i++) {
      const c = d.constraints[i];
      const v = node.labels[c.topologyKey];
      if (v === undefined) return unresolvable(ERR_SPREAD_LABEL);
      const counts = d.counts[i];
      let min = Infinity;
      for (const n of counts.values()) if (n < min) min = n;
      if (min === Infinity || counts.size < c.minDomains) min = 0;
      const self = c.selector.matches(pod.labels) ? 1 : 0;
      if ((counts.get(v) ?? 0) + self - min > c.maxSkew) return unschedulable(ERR_SPREAD);
    }
    return undefined;
  },
  preScore(state, pod, _feasible, cluster) {
    const soft = constraints(pod).filter((c) => !c.hard);
    if (soft.length) state.write(SCORE_KEY, countDomains(pod, soft, cluster));
  },
  score(state, _pod, node) {
    const d = state.read<Domains>(SCORE_KEY);
    if (!d) return 0;
    let total = 0;
    for (let i = 0; i < d.constraints.length; i++) {
      const v = node.labels[d.constraints[i].topologyKey];
      if (v === undefined) return -1; // cannot be judged: scored lowest
      // Constraints over more domains weigh more, as in kube (log of the domain count).
      total += (d.counts[i].get(v) ?? 0) * Math.log(d.counts[i].size + 2);
    }
    return total;
  },
  normalizeScore(state, _pod, scores) {
    if (!state.read<Domains>(SCORE_KEY)) return;
    let min = Infinity;
    let max = 0;
    for (const s of scores) {
      if (s < 0) continue;
      if (s < min) min = s;
      if (s > max) max = s;
    }
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] < 0) scores[i] = 0;
      else scores[i] = max === 0 ? MAX_NODE_SCORE : Math.floor((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    }
  },
};
