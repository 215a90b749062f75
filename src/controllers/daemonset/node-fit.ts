// Whether a DaemonSet's pod belongs on a node, as Kubernetes decides it: the pod's nodeSelector and
// required node affinity match the node, and every NoSchedule/NoExecute taint is tolerated (to
// start a pod); only NoExecute taints matter for a pod already running there.

import type { KObject } from '../../api/kind.js';

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

interface Term {
  matchExpressions?: Requirement[];
  matchFields?: Requirement[];
}

export interface PodSpecFit {
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: Term[] } } };
}

export function tolerates(tolerations: Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

function requirementMatches(r: Requirement, value: string | undefined): boolean {
  const vs = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && vs.includes(value);
    case 'NotIn': return value === undefined || !vs.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': return value !== undefined && Number(value) > Number(vs[0]);
    case 'Lt': return value !== undefined && Number(value) < Number(vs[0]);
    default: return false;
  }
}

function termMatches(term: Term, node: KObject): boolean {
  const labels = node.metadata?.labels ?? {};
  const fields: Record<string, string> = { 'metadata.name': node.metadata!.name! };
  if (!term.matchExpressions?.length && !term.matchFields?.length) return false;
  return (term.matchExpressions ?? []).every((r) => requirementMatches(r, labels[r.key])) && (term.matchFields ?? []).every((r) => requirementMatches(r, fields[r.key]));
}

/** nodeSelector and required node affinity (terms ORed, requirements ANDed). */
export function nodeMatches(spec: PodSpecFit, node: KObject): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !terms.some((t) => termMatches(t, node))) return false;
  return true;
}

export const taintsOf = (node: KObject) => ((node.spec as { taints?: Taint[] } | undefined)?.taints ?? []);

/** shouldRun: a new daemon pod may start here. shouldContinueRunning: an existing one may stay. */
export function fit(spec: PodSpecFit, node: KObject): { shouldRun: boolean; shouldContinueRunning: boolean } {
  if (!nodeMatches(spec, node)) return { shouldRun: false, shouldContinueRunning: false };
  const untolerated = taintsOf(node).filter((t) => !tolerates(spec.tolerations, t));
  return {
    shouldRun: !untolerated.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'),
    shouldContinueRunning: !untolerated.some((t) => t.effect === 'NoExecute'),
  };
}
