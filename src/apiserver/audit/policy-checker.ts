// Which level and stages a request is audited at: the first rule of the policy that matches it wins
// (no match: None), with the rule matching of kube-apiserver's policy checker.

import type { Attributes } from '../authz/types.js';
import type { GroupResources, Level, Policy, PolicyRule, Stage } from './policy.js';

export interface AuditDecision {
  level: Level;
  omitStages: Stage[];
  omitManagedFields: boolean;
}

export function decide(policy: Policy, a: Attributes): AuditDecision {
  for (const r of policy.rules) {
    if (!ruleMatches(r, a)) continue;
    return { level: r.level, omitStages: [...new Set([...(policy.omitStages ?? []), ...(r.omitStages ?? [])])], omitManagedFields: r.omitManagedFields ?? policy.omitManagedFields ?? false };
  }
  return { level: 'None', omitStages: [], omitManagedFields: false };
}

export function ruleMatches(r: PolicyRule, a: Attributes): boolean {
  if (r.users?.length && !r.users.includes(a.user.name)) return false;
  if (r.userGroups?.length && !a.user.groups.some((g) => r.userGroups!.includes(g))) return false;
  if (r.verbs?.length && !r.verbs.includes(a.verb)) return false;
  if (r.namespaces?.length || r.resources?.length) return matchesResource(r, a);
  if (r.nonResourceURLs?.length) return !a.resourceRequest && r.nonResourceURLs.some((spec) => pathMatches(a.path ?? '', spec));
  return true;
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.slice(0, -1));
}

function matchesResource(r: PolicyRule, a: Attributes): boolean {
  if (!a.resourceRequest) return false;
  // '' in namespaces matches cluster-scoped requests.
  if (r.namespaces?.length && !r.namespaces.includes(a.namespace ?? '')) return false;
  if (!r.resources?.length) return true;
  return r.resources.some((gr) => groupMatches(gr, a));
}

function groupMatches(gr: GroupResources, a: Attributes): boolean {
  if ((gr.group ?? '') !== (a.apiGroup ?? '')) return false;
  if (!gr.resources?.length) return true;
  if (gr.resourceNames?.length && !gr.resourceNames.includes(a.name ?? '')) return false;
  const resource = a.resource ?? '';
  const sub = a.subresource ?? '';
  const combined = sub ? `${resource}/${sub}` : resource;
  return gr.resources.some((res) => res === '*' || res === combined || (sub !== '' && res.startsWith('*/') && res.slice(2) === sub) || (res.endsWith('/*') && res.slice(0, -2) === resource));
}
