// Which requests a ValidatingAdmissionPolicy's matchConstraints (and its binding's
// matchResources) select, as Kubernetes' matching package decides: resource rules (operations,
// groups, versions, resources with subresources and wildcards, resourceNames, scope), exclusions,
// the namespace selector (on the namespace's labels; on a Namespace's own labels; ignored for other
// cluster-scoped objects) and the object selector (on the new or the old object's labels).

import type { KObject } from '../../../api/kind.js';
import { type LabelSelectorObject, selectorFromObject } from '../../../api/labels.js';

export interface RuleLike {
  resourceNames?: string[];
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string;
}

export interface MatchResourcesLike {
  namespaceSelector?: LabelSelectorObject;
  objectSelector?: LabelSelectorObject;
  resourceRules?: RuleLike[];
  excludeResourceRules?: RuleLike[];
  matchPolicy?: string;
}

/** What matching needs to know of a request. */
export interface MatchAttributes {
  operation: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  name: string;
  namespace: string;
  namespaced: boolean;
  obj?: KObject;
  old?: KObject;
  /** Other versions the same resource is served at (matchPolicy Equivalent matches through them). */
  equivalentVersions?: string[];
  /** The request's namespace object (for namespaceSelector), when namespaced. */
  namespaceObject?: KObject | null;
}

const has = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

function resourceMatches(patterns: string[] | undefined, resource: string, sub: string): boolean {
  if (!patterns) return false;
  const full = sub ? `${resource}/${sub}` : resource;
  for (const p of patterns) {
    if (p === '*/*' || p === full) return true;
    if (p === '*' && !sub) return true;
    const [r, s] = p.split('/');
    if (s === '*' && r === resource) return true;
    if (r === '*' && s !== undefined && s === sub) return true;
  }
  return false;
}

export function ruleMatches(rule: RuleLike, a: MatchAttributes, equivalent: boolean): boolean {
  if (!has(rule.operations, a.operation)) return false;
  if (!has(rule.apiGroups, a.group)) return false;
  const versionOk = has(rule.apiVersions, a.version) || (equivalent && (a.equivalentVersions ?? []).some((v) => has(rule.apiVersions, v)));
  if (!versionOk) return false;
  if (!resourceMatches(rule.resources, a.resource, a.subresource)) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && a.namespaced) return false;
  if (scope === 'Namespaced' && !a.namespaced) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0 && !rule.resourceNames.includes(a.name)) return false;
  return true;
}

const labelsOf = (o: KObject | null | undefined) => (o?.metadata?.labels ?? {}) as Record<string, string>;

function namespaceSelected(sel: LabelSelectorObject | undefined, a: MatchAttributes): boolean {
  if (!sel || (!sel.matchLabels && !sel.matchExpressions)) return true;
  const s = selectorFromObject(sel);
  if (!a.namespaced) {
    // A Namespace is matched on its own labels; other cluster-scoped objects ignore the selector.
    if (a.group === '' && a.resource === 'namespaces') return s.matches(labelsOf(a.obj ?? a.old));
    return true;
  }
  return s.matches(labelsOf(a.namespaceObject));
}

function objectSelected(sel: LabelSelectorObject | undefined, a: MatchAttributes): boolean {
  if (!sel || (!sel.matchLabels && !sel.matchExpressions)) return true;
  const s = selectorFromObject(sel);
  return (!!a.obj && s.matches(labelsOf(a.obj))) || (!!a.old && s.matches(labelsOf(a.old)));
}

/**
 * Whether m selects the request. requireRules: a policy's constraints match nothing without
 * resourceRules; a binding's matchResources without them leave the policy's choice as it is.
 */
export function matchesResources(m: MatchResourcesLike | undefined, a: MatchAttributes, requireRules: boolean): boolean {
  if (!m) return !requireRules;
  const equivalent = (m.matchPolicy ?? 'Equivalent') === 'Equivalent';
  const rules = m.resourceRules ?? [];
  if (rules.length === 0 ? requireRules : !rules.some((r) => ruleMatches(r, a, equivalent))) return false;
  if ((m.excludeResourceRules ?? []).some((r) => ruleMatches(r, a, equivalent))) return false;
  return namespaceSelected(m.namespaceSelector, a) && objectSelected(m.objectSelector, a);
}

/**
 * The version a policy's rules take the request at: its own when a rule names it, else (matchPolicy
 * Equivalent) the first other served version a rule names — the object is then converted to it.
 */
export function matchedVersion(m: MatchResourcesLike | undefined, a: MatchAttributes): string {
  const rules = m?.resourceRules ?? [];
  if (rules.some((r) => ruleMatches(r, a, false)) || (m?.matchPolicy ?? 'Equivalent') !== 'Equivalent') return a.version;
  for (const v of a.equivalentVersions ?? []) if (rules.some((r) => ruleMatches(r, { ...a, version: v, equivalentVersions: [] }, false))) return v;
  return a.version;
}

/** Whether the namespace object is needed to decide (a non-empty namespace selector on a namespaced request). */
export function needsNamespace(m: MatchResourcesLike | undefined, a: Pick<MatchAttributes, 'namespaced'>): boolean {
  const sel = m?.namespaceSelector;
  return a.namespaced && !!sel && !!(sel.matchLabels || sel.matchExpressions);
}
