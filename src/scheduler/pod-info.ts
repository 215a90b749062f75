// A pod with everything the plugins need precomputed once per pod version: key, priority, requests,
// and its affinity terms with parsed selectors. Building it validates the pod's scheduling fields,
// so a malformed pod fails here with a message instead of deep inside a plugin.

import { selectorFromObject, type Selector } from '../api/labels.js';
import { podRequests, nonZeroRequests, type Resources } from './resources.js';
import { podClaims } from './volumes/claims.js';
import { asArray, podKey, type LabelSelector, type Pod, type PodAffinityTerm, type WeightedPodAffinityTerm } from './types.js';

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/** A LabelSelector object as a matcher; unknown operators are an error (kube rejects them too). */
export function parseSelector(sel: LabelSelector | null | undefined, where: string): Selector {
  for (const e of asArray<{ key: string; operator: string; values?: string[] }>(sel?.matchExpressions)) {
    if (!OPERATORS.has(e?.operator)) throw new Error(`${where}: "${e?.operator}" is not a valid label selector operator`);
    if ((e.operator === 'In' || e.operator === 'NotIn') && asArray(e.values).length === 0) throw new Error(`${where}: values must be non-empty for operator ${e.operator}`);
  }
  return selectorFromObject(sel ?? null);
}

export interface AffinityTerm {
  selector: Selector;
  /** Namespaces to look in; undefined with namespaceSelector set means "by namespace labels". */
  namespaces: Set<string>;
  namespaceSelector?: Selector;
  topologyKey: string;
  weight: number;
}

export interface PodInfo {
  key: string;
  pod: Pod;
  namespace: string;
  labels: Record<string, string>;
  priority: number;
  requests: Resources;
  /** requests as [resource, amount] pairs, positive amounts only and without "pods": what fit checks loop over. */
  requestList: [string, number][];
  nonZero: { cpu: number; memory: number };
  /** "namespace/claim" of every claim the pod uses (persistentVolumeClaim and ephemeral volumes). */
  claims: string[];
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: AffinityTerm[];
  preferredAntiAffinity: AffinityTerm[];
}

function term(pod: Pod, t: PodAffinityTerm, weight: number, where: string): AffinityTerm {
  if (!t || typeof t.topologyKey !== 'string' || !t.topologyKey) throw new Error(`${where}.topologyKey: Required value: can not be empty`);
  const ns = pod.metadata?.namespace ?? 'default';
  const selector = parseSelector(t.labelSelector, `${where}.labelSelector`);
  // matchLabelKeys/mismatchLabelKeys fold the pod's own label values into the selector.
  const labels = pod.metadata?.labels ?? {};
  const extra: { key: string; in: boolean; value: string }[] = [];
  for (const k of asArray<string>(t.matchLabelKeys)) if (k in labels) extra.push({ key: k, in: true, value: labels[k] });
  for (const k of asArray<string>(t.mismatchLabelKeys)) if (k in labels) extra.push({ key: k, in: false, value: labels[k] });
  const full: Selector = extra.length ? { requirements: selector.requirements, matches: (l) => selector.matches(l) && extra.every((e) => (l[e.key] === e.value) === e.in) } : selector;
  const namespaces = new Set(asArray<string>(t.namespaces));
  const namespaceSelector = t.namespaceSelector ? parseSelector(t.namespaceSelector, `${where}.namespaceSelector`) : undefined;
  if (namespaces.size === 0 && !namespaceSelector) namespaces.add(ns);
  return { selector: full, namespaces, namespaceSelector, topologyKey: t.topologyKey, weight };
}

export function claimKeys(pod: Pod): string[] {
  const ns = pod.metadata?.namespace ?? 'default';
  return [...new Set(podClaims(pod).map((c) => `${ns}/${c.name}`))];
}

export function podInfo(pod: Pod): PodInfo {
  const spec = pod.spec ?? {};
  const a = spec.affinity ?? {};
  const base = 'spec.affinity';
  const req = (list: unknown, w: string) => asArray<PodAffinityTerm>(list).map((t, i) => term(pod, t, 1, `${w}[${i}]`));
  const pref = (list: unknown, w: string) => asArray<WeightedPodAffinityTerm>(list).map((t, i) => term(pod, t?.podAffinityTerm, Number(t?.weight) || 0, `${w}[${i}].podAffinityTerm`));
  const requests = podRequests(pod);
  return {
    key: podKey(pod),
    pod,
    namespace: pod.metadata?.namespace ?? 'default',
    labels: pod.metadata?.labels ?? {},
    priority: typeof spec.priority === 'number' ? spec.priority : 0,
    requests,
    requestList: Object.entries(requests).filter(([r, v]) => v > 0 && r !== 'pods'),
    nonZero: nonZeroRequests(requests),
    claims: claimKeys(pod),
    requiredAffinity: req(a.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution, `${base}.podAffinity.requiredDuringSchedulingIgnoredDuringExecution`),
    requiredAntiAffinity: req(a.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution, `${base}.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution`),
    preferredAffinity: pref(a.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution, `${base}.podAffinity.preferredDuringSchedulingIgnoredDuringExecution`),
    preferredAntiAffinity: pref(a.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution, `${base}.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution`),
  };
}

export const hasAffinity = (p: PodInfo) => p.requiredAffinity.length + p.requiredAntiAffinity.length + p.preferredAffinity.length + p.preferredAntiAffinity.length > 0;
