// Which webhooks a request goes to, as Kubernetes' webhook dispatchers decide: rules (operations,
// groups, versions, resources with subresources and wildcards, scope), the object and namespace
// selectors, and the CEL match conditions. Configurations are compiled once when they change
// (config-cache.ts); matching a request does no parsing.

import { compileCel, type CelProgram } from '../../api/cel/index.js';
import type { KObject } from '../../api/kind.js';
import { type LabelSelectorObject, type Selector, selectorFromObject } from '../../api/labels.js';
import { MATCH_CONDITION_VARIABLES } from '../../api/kinds/webhooks/validation.js';
import type { WebhookClientConfig } from './client.js';

export interface Rule {
  operations: string[];
  apiGroups: string[];
  apiVersions: string[];
  resources: string[];
  scope: string;
}

export interface CompiledWebhook {
  /** The webhook's name (unique in its configuration). */
  name: string;
  configName: string;
  clientConfig: WebhookClientConfig;
  rules: Rule[];
  failurePolicy: 'Fail' | 'Ignore';
  matchPolicy: 'Exact' | 'Equivalent';
  sideEffects: string;
  timeoutSeconds: number;
  admissionReviewVersions: string[];
  reinvocationPolicy: 'Never' | 'IfNeeded';
  namespaceSelector: Selector;
  objectSelector: Selector;
  /** A condition that failed to compile is an error at match time (the failure policy decides). */
  matchConditions: { name: string; program?: CelProgram; error?: string }[];
}

/** What is being asked: the resource as the request names it. */
export interface RequestAttributes {
  operation: string;
  group: string;
  version: string;
  /** Plural resource name. */
  resource: string;
  /** '' for the main resource. */
  subresource: string;
  namespaced: boolean;
  namespace: string;
}

const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** A stored selector as a matcher; a missing one is the default {} (everything). Shapes are not trusted. */
function selectorOf(v: unknown): Selector {
  const o = rec(v);
  const matchLabels = Object.fromEntries(Object.entries(rec(o.matchLabels)).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const matchExpressions = (Array.isArray(o.matchExpressions) ? o.matchExpressions : []).map(rec).map((e) => ({ key: String(e.key ?? ''), operator: String(e.operator ?? ''), values: strs(e.values) }));
  return selectorFromObject({ matchLabels, matchExpressions } as LabelSelectorObject);
}

/** One webhook of a stored configuration, compiled (defaults applied for objects stored before them). */
export function compileWebhook(configName: string, raw: unknown): CompiledWebhook {
  const w = rec(raw);
  const conditions = Array.isArray(w.matchConditions) ? w.matchConditions.slice(0, 64).map(rec) : [];
  return {
    name: typeof w.name === 'string' ? w.name : '',
    configName,
    clientConfig: rec(w.clientConfig) as WebhookClientConfig,
    rules: (Array.isArray(w.rules) ? w.rules : []).map((r) => {
      const o = rec(r);
      return { operations: strs(o.operations), apiGroups: strs(o.apiGroups), apiVersions: strs(o.apiVersions), resources: strs(o.resources), scope: typeof o.scope === 'string' ? o.scope : '*' };
    }),
    failurePolicy: w.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    matchPolicy: w.matchPolicy === 'Exact' ? 'Exact' : 'Equivalent',
    sideEffects: typeof w.sideEffects === 'string' ? w.sideEffects : 'Unknown',
    timeoutSeconds: typeof w.timeoutSeconds === 'number' && w.timeoutSeconds >= 1 && w.timeoutSeconds <= 30 ? w.timeoutSeconds : 10,
    admissionReviewVersions: strs(w.admissionReviewVersions),
    reinvocationPolicy: w.reinvocationPolicy === 'IfNeeded' ? 'IfNeeded' : 'Never',
    // A missing selector is the default {} (everything).
    namespaceSelector: selectorOf(w.namespaceSelector),
    objectSelector: selectorOf(w.objectSelector),
    matchConditions: conditions.map((c) => {
      const name = typeof c.name === 'string' ? c.name : '';
      const compiled = compileCel(typeof c.expression === 'string' ? c.expression : '', { variables: MATCH_CONDITION_VARIABLES });
      return 'error' in compiled ? { name, error: compiled.error } : { name, program: compiled.program };
    }),
  };
}

const anyOf = (list: string[], v: string) => list.includes('*') || list.includes(v);

function resourceMatches(resources: string[], resource: string, subresource: string): boolean {
  const full = subresource ? `${resource}/${subresource}` : resource;
  for (const r of resources) {
    if (r === '*/*' || r === full) return true;
    if (r === '*' && !subresource) return true;
    const [res, sub] = r.split('/', 2);
    if (sub !== undefined && subresource) {
      if ((res === '*' || res === resource) && (sub === '*' || sub === subresource)) return true;
    }
  }
  return false;
}

export function ruleMatches(rule: Rule, a: RequestAttributes): boolean {
  if (!anyOf(rule.operations, a.operation)) return false;
  if (!anyOf(rule.apiGroups, a.group)) return false;
  if (!anyOf(rule.apiVersions, a.version)) return false;
  if (!resourceMatches(rule.resources, a.resource, a.subresource)) return false;
  if (rule.scope === 'Cluster' && a.namespaced) return false;
  // A Namespace object is cluster-scoped, so a Namespaced rule does not cover it (as in Kubernetes).
  if (rule.scope === 'Namespaced' && !a.namespaced) return false;
  return true;
}

export const rulesMatch = (w: CompiledWebhook, a: RequestAttributes) => w.rules.some((r) => ruleMatches(r, a));

/** Kubernetes' objectSelector: the new or the old object's labels must match. */
export function objectSelectorMatches(w: CompiledWebhook, obj: KObject | undefined, old: KObject | undefined): boolean {
  if (w.objectSelector.requirements.length === 0) return true;
  return [obj, old].some((o) => o !== undefined && w.objectSelector.matches(o.metadata?.labels ?? {}));
}

/** Resources webhooks are never called for, so a broken webhook cannot lock its own configuration in. */
export function exemptFromWebhooks(group: string, resource: string): boolean {
  return group === 'admissionregistration.k8s.io' && ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings'].includes(resource);
}

/** The matchConditions outcome: all true → match; any false → no match; else the first error. */
export function evaluateMatchConditions(w: CompiledWebhook, vars: Record<string, unknown>): { match: boolean } | { error: string } {
  let firstError: string | undefined;
  for (const c of w.matchConditions) {
    if (c.error !== undefined || !c.program) {
      firstError ??= `compilation failed for ${c.name}: ${c.error}`;
      continue;
    }
    const r = c.program.evaluate(vars);
    if ('error' in r) firstError ??= `expression '${c.name}' resulted in error: ${r.error}`;
    else if (r.value === false) return { match: false };
    else if (r.value !== true) firstError ??= `expression '${c.name}' resulted in error: must evaluate to bool`;
  }
  return firstError === undefined ? { match: true } : { error: firstError };
}
