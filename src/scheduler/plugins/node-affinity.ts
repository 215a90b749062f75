// NodeAffinity: spec.nodeSelector and requiredDuringScheduling node selector terms must match the
// node (terms ORed, requirements within a term ANDed, matchFields on metadata.name); preferred
// terms add their weight to the nodes they match.

import { defaultNormalize, unresolvable, type CycleState, type Plugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { asArray, type NodeSelectorTerm } from '../types.js';
import { checkTerm, podSpecMatchesNode, REQUIRED_TERMS_PATH, termMatches } from '../../api/scheduling/node-selector.js';

export const ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

/** nodeSelector and required node affinity: what DaemonSets and topology spread also honour. */
export function podMatchesNode(pod: PodInfo, node: NodeInfo): boolean {
  return podSpecMatchesNode(pod.pod.spec, node);
}

const preferred = (pod: PodInfo) => asArray<{ weight: number; preference: NodeSelectorTerm }>(pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution);

export const nodeAffinity: Plugin = {
  name: 'NodeAffinity',
  scoreWeight: 2,
  preFilter(_s: CycleState, pod: PodInfo) {
    // Surface malformed terms once, with their field path, rather than per node.
    const terms = asArray<NodeSelectorTerm>(pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms);
    for (const [i, t] of terms.entries()) checkTerm(t, `${REQUIRED_TERMS_PATH}[${i}]`);
    for (const [i, p] of preferred(pod).entries()) checkTerm(p?.preference, `spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}].preference`);
    return undefined;
  },
  filter(_s, pod, node) {
    return podMatchesNode(pod, node) ? undefined : unresolvable(ERR_NODE_AFFINITY);
  },
  score(_s, pod, node) {
    let total = 0;
    for (const p of preferred(pod)) if (termMatches(p?.preference, node)) total += Number(p.weight) || 0;
    return total;
  },
  normalizeScore(_s, _p, scores) {
    defaultNormalize(scores);
  },
};
