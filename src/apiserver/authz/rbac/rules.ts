// Matching a request against RBAC rules, as Kubernetes' rbac authorizer does: verbs, API groups and
// resources with '*' wildcards, `resource/subresource` and `*/subresource`, resourceNames (empty
// allows all, else the request must name one), and non-resource URLs with an exact path, '*', or a
// trailing '*' prefix.

import type { PolicyRule } from '../../../api/kinds/rbac/types.js';
import type { Attributes } from '../types.js';

const has = (list: readonly string[] | null | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return has(rule.apiGroups, group);
}

/** `combined` is resource or resource/subresource; `*\/sub` matches any resource's subresource sub. */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource && r.length === subresource.length + 2 && r.startsWith('*/') && r.endsWith(subresource)) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  if (!rule.resourceNames || rule.resourceNames.length === 0) return true;
  return rule.resourceNames.includes(name);
}

export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** Whether one rule allows the request. */
export function ruleAllows(a: Attributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceURLMatches(rule, a.path ?? '');
  const sub = a.subresource ?? '';
  const combined = sub ? `${a.resource ?? ''}/${sub}` : (a.resource ?? '');
  return apiGroupMatches(rule, a.apiGroup ?? '') && resourceMatches(rule, combined, sub) && resourceNameMatches(rule, a.name ?? '');
}

export function rulesAllow(a: Attributes, rules: readonly PolicyRule[] | null | undefined): boolean {
  if (!rules) return false;
  for (const r of rules) if (ruleAllows(a, r)) return true;
  return false;
}
