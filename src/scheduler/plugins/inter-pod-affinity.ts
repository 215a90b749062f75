// InterPodAffinity: required pod affinity (be in a topology domain with matching pods), required
// anti-affinity (never share a domain with matching pods), the symmetric rule that existing pods'
// anti-affinity keeps the incoming pod out, and preferred terms of both pods as scores.
// Counts are per topology pair "key=value", computed once per cycle in preFilter/preScore.

import { MAX_NODE_SCORE, unresolvable, unschedulable, type ClusterView, type Plugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { AffinityTerm, PodInfo } from '../pod-info.js';

export const ERR_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

const pair = (k: string, v: string) => `${k}\u0000${v}`;
type Counts = Map<string, number>;
const bump = (m: Counts, k: string, by: number) => m.set(k, (m.get(k) ?? 0) + by);

/** Does `term` (declared by a pod) select pod `p`? */
export function termSelects(term: AffinityTerm, p: PodInfo, cluster: Pick<ClusterView, 'namespaceLabels'>): boolean {
  const nsOk = term.namespaces.has(p.namespace) || (!!term.namespaceSelector && term.namespaceSelector.matches(cluster.namespaceLabels(p.namespace) ?? {}));
  return nsOk && term.selector.matches(p.labels);
}

interface FilterState {
  existingAnti: Counts;
  affinity: Counts;
  anti: Counts;
}

const KEY = 'InterPodAffinity/filter';
const SCORE_KEY = 'InterPodAffinity/score';

export const interPodAffinity: Plugin = {
  name: 'InterPodAffinity',
  scoreWeight: 2,
  preFilter(state, pod, cluster) {
    const s: FilterState = { existingAnti: new Map(), affinity: new Map(), anti: new Map() };
    const own = pod.requiredAffinity.length + pod.requiredAntiAffinity.length > 0;
    if (!own && cluster.podsWithRequiredAntiAffinity === 0) return undefined;
    for (const n of cluster.nodes) {
      for (const p of n.podsWithRequiredAntiAffinity.values()) {
        if (p.key === pod.key) continue;
        for (const t of p.requiredAntiAffinity) {
          const v = n.labels[t.topologyKey];
          if (v !== undefined && termSelects(t, pod, cluster)) bump(s.existingAnti, pair(t.topologyKey, v), 1);
        }
      }
      if (!own) continue;
      for (const p of n.pods.values()) {
        if (p.key === pod.key) continue;
        if (pod.requiredAffinity.length && pod.requiredAffinity.every((t) => termSelects(t, p, cluster))) {
          for (const t of pod.requiredAffinity) {
            const v = n.labels[t.topologyKey];
            if (v !== undefined) bump(s.affinity, pair(t.topologyKey, v), 1);
          }
        }
        for (const t of pod.requiredAntiAffinity) {
          const v = n.labels[t.topologyKey];
          if (v !== undefined && termSelects(t, p, cluster)) bump(s.anti, pair(t.topologyKey, v), 1);
        }
      }
    }
    state.write(KEY, { ...s, selfMatch: pod.requiredAffinity.every((t) => termSelects(t, pod, cluster)) });
    return undefined;
  },
  filter(state, pod, node) {
    const s = state.read<FilterState & { selfMatch: boolean }>(KEY);
    if (!s) return undefined;
    if (s.existingAnti.size) {
      for (const [k, v] of Object.entries(node.labels)) if ((s.existingAnti.get(pair(k, v)) ?? 0) > 0) return unschedulable(ERR_EXISTING_ANTI_AFFINITY);
    }
    for (const t of pod.requiredAntiAffinity) {
      const v = node.labels[t.topologyKey];
      if (v !== undefined && (s.anti.get(pair(t.topologyKey, v)) ?? 0) > 0) return unschedulable(ERR_ANTI_AFFINITY);
    }
    if (pod.requiredAffinity.length) {
      const ok = pod.requiredAffinity.every((t) => {
        const v = node.labels[t.topologyKey];
        return v !== undefined && (s.affinity.get(pair(t.topologyKey, v)) ?? 0) > 0;
      });
      // The first pod of a group that selects itself may go anywhere the topology keys exist.
      const first = s.affinity.size === 0 && s.selfMatch && pod.requiredAffinity.every((t) => node.labels[t.topologyKey] !== undefined);
      if (!ok && !first) return unresolvable(ERR_AFFINITY);
    }
    return undefined;
  },
  preScore(state, pod, _feasible, cluster) {
    const own = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
    if (!own && cluster.podsWithAffinity === 0) return;
    const topo: Counts = new Map();
    const add = (terms: AffinityTerm[], sign: number, target: PodInfo, n: NodeInfo) => {
      for (const t of terms) {
        const v = n.labels[t.topologyKey];
        if (v !== undefined && termSelects(t, target, cluster)) bump(topo, pair(t.topologyKey, v), sign * t.weight);
      }
    };
    for (const n of cluster.nodes) {
      const pods = own ? n.pods : n.podsWithAffinity;
      if (pods.size === 0) continue;
      for (const p of pods.values()) {
        if (p.key === pod.key) continue;
        add(pod.preferredAffinity, 1, p, n);
        add(pod.preferredAntiAffinity, -1, p, n);
        add(p.preferredAffinity, 1, pod, n);
        add(p.preferredAntiAffinity, -1, pod, n);
        add(p.requiredAffinity, 1, pod, n); // kube's hardPodAffinityWeight (1)
      }
    }
    state.write(SCORE_KEY, topo);
  },
  score(state, _pod, node) {
    const topo = state.read<Counts>(SCORE_KEY);
    if (!topo || topo.size === 0) return 0;
    let total = 0;
    for (const [k, v] of Object.entries(node.labels)) total += topo.get(pair(k, v)) ?? 0;
    return total;
  },
  normalizeScore(_state, _pod, scores) {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      if (s < min) min = s;
      if (s > max) max = s;
    }
    for (let i = 0; i < scores.length; i++) scores[i] = max > min ? Math.floor((MAX_NODE_SCORE * (scores[i] - min)) / (max - min)) : 0;
  },
};
