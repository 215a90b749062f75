// NodeAffinity: spec.nodeSelector and requiredDuringScheduling node selector terms must match the
// node (terms ORed, requirements within a term ANDed, matchFields on metadata.name); preferred
// terms add their weight to the nodes they match.

import { defaultNormalize, unresolvable, type CycleState, type Plugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { asArray, type NodeSelectorRequirement, type NodeSelectorTerm } from '../types.js';

export const ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined, where: string): boolean {
  const values = asArray<string>(r?.values);
  switch (r?.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (values.length !== 1 || !/^-?\d+$/.test(values[0])) throw new Error(`${where}: for 'Gt', 'Lt' operators, exactly one integer value is required`);
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      return r.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
    default:
      throw new Error(`${where}: "${r?.operator}" is not a valid node selector operator`);
  }
}

/** An empty term matches no node (Kubernetes' rule). */
export function termMatches(term: NodeSelectorTerm, node: NodeInfo, where = 'nodeSelectorTerm'): boolean {
  const exprs = asArray<NodeSelectorRequirement>(term?.matchExpressions);
  const fields = asArray<NodeSelectorRequirement>(term?.matchFields);
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!requirementMatches(r, node.labels[r.key], `${where}.matchExpressions`)) return false;
  for (const r of fields) {
    if (r?.key !== 'metadata.name') throw new Error(`${where}.matchFields: "${r?.key}" is not a supported field (only metadata.name)`);
    if (!requirementMatches(r, node.name, `${where}.matchFields`)) return false;
  }
  return true;
}

/** nodeSelector and required node affinity: what DaemonSets and topology spread also honour. */
export function podMatchesNode(pod: PodInfo, node: NodeInfo): boolean {
  const spec = pod.pod.spec ?? {};
  const sel = spec.nodeSelector;
  if (sel && typeof sel === 'object') for (const [k, v] of Object.entries(sel)) if (node.labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  const terms = asArray<NodeSelectorTerm>(required.nodeSelectorTerms);
  return terms.some((t, i) => termMatches(t, node, `spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}]`));
}

const preferred = (pod: PodInfo) => asArray<{ weight: number; preference: NodeSelectorTerm }>(pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution);

export const nodeAffinity: Plugin = {
  name: 'NodeAffinity',
  scoreWeight: 2,
  preFilter(_s: CycleState, pod: PodInfo) {
    // Surface malformed terms once, with their field path, rather than per node.
    const terms = asArray<NodeSelectorTerm>(pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms);
    const probe = { labels: {}, name: '' } as NodeInfo;
    terms.forEach((t, i) => termMatchesSafely(t, probe, i));
    preferred(pod).forEach((p, i) => termMatches(p?.preference, probe, `spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}].preference`));
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

function termMatchesSafely(t: NodeSelectorTerm, probe: NodeInfo, i: number) {
  // Evaluate every requirement against an empty node so operator errors throw regardless of short-circuit.
  const where = `spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}]`;
  for (const r of asArray<NodeSelectorRequirement>(t?.matchExpressions)) requirementMatches(r, undefined, `${where}.matchExpressions`);
  for (const r of asArray<NodeSelectorRequirement>(t?.matchFields)) {
    if (r?.key !== 'metadata.name') throw new Error(`${where}.matchFields: "${r?.key}" is not a supported field (only metadata.name)`);
    requirementMatches(r, probe.name, `${where}.matchFields`);
  }
}
