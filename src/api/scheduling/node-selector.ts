// Node selector terms (required node affinity, DaemonSet placement, preferred-affinity scoring) as
// Kubernetes evaluates them, in one place: terms are ORed, requirements within a term ANDed, an
// empty term matches nothing, matchFields knows only metadata.name, and Gt/Lt compare integers
// (a label "1.5" is not an integer, so `Gt 1` does not match it).

import type { Affinity } from '../core/index.js';

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

/** What a node offers to selectors: its labels and name. */
export interface NodeView {
  labels: Readonly<Record<string, string>>;
  name: string;
}

/** A requirement that no node can satisfy because it is malformed; carries a field path. */
export class InvalidNodeSelectorError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

const INTEGER = /^-?\d{1,18}$/;
const arr = <T>(x: unknown): T[] => (Array.isArray(x) ? (x as T[]) : []);

export function requirementMatches(r: NodeSelectorRequirement, value: string | undefined, field: string): boolean {
  const values = arr<string>(r?.values);
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
      if (values.length !== 1 || !INTEGER.test(values[0])) throw new InvalidNodeSelectorError(field, "for 'Gt', 'Lt' operators, exactly one integer value is required");
      if (value === undefined || !INTEGER.test(value)) return false;
      return r.operator === 'Gt' ? BigInt(value) > BigInt(values[0]) : BigInt(value) < BigInt(values[0]);
    }
    default:
      throw new InvalidNodeSelectorError(field, `"${r?.operator}" is not a valid node selector operator`);
  }
}

/** Whether one term matches; throws InvalidNodeSelectorError for a malformed requirement it reaches. */
export function termMatches(term: NodeSelectorTerm, node: NodeView, field = 'nodeSelectorTerm'): boolean {
  const exprs = arr<NodeSelectorRequirement>(term?.matchExpressions);
  const fields = arr<NodeSelectorRequirement>(term?.matchFields);
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!requirementMatches(r, node.labels[r?.key], `${field}.matchExpressions`)) return false;
  for (const r of fields) {
    if (r?.key !== 'metadata.name') throw new InvalidNodeSelectorError(`${field}.matchFields`, `"${r?.key}" is not a supported field (only metadata.name)`);
    if (!requirementMatches(r, node.name, `${field}.matchFields`)) return false;
  }
  return true;
}

/** Checks every requirement of a term for validity, whatever a node would short-circuit. */
export function checkTerm(term: NodeSelectorTerm, field: string) {
  for (const r of arr<NodeSelectorRequirement>(term?.matchExpressions)) requirementMatches(r, undefined, `${field}.matchExpressions`);
  for (const r of arr<NodeSelectorRequirement>(term?.matchFields)) {
    if (r?.key !== 'metadata.name') throw new InvalidNodeSelectorError(`${field}.matchFields`, `"${r?.key}" is not a supported field (only metadata.name)`);
    requirementMatches(r, '', `${field}.matchFields`);
  }
}

export const REQUIRED_TERMS_PATH = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms';

/** A pod spec's nodeSelector and required node affinity against a node (throws for malformed terms). */
export function podSpecMatchesNode(spec: { nodeSelector?: unknown; affinity?: unknown } | undefined, node: NodeView): boolean {
  const sel = spec?.nodeSelector;
  if (sel && typeof sel === 'object') for (const [k, v] of Object.entries(sel)) if (node.labels[k] !== v) return false;
  const required = (spec?.affinity as Affinity | undefined)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return arr<NodeSelectorTerm>(required.nodeSelectorTerms).some((t, i) => termMatches(t, node, `${REQUIRED_TERMS_PATH}[${i}]`));
}

/** The view of a Node object that selectors read. */
export function nodeViewOf(node: { metadata?: { name?: string; labels?: Record<string, string> } }): NodeView {
  return { labels: node.metadata?.labels ?? {}, name: node.metadata?.name ?? '' };
}
