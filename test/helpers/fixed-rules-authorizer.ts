// A tiny stand-in for RBAC in tests of the review APIs and impersonation: fixed rules per user or
// group, allow-only (no opinion otherwise), listing its rules for SelfSubjectRulesReview. Rules
// match like RBAC's: "*" for any verb, group or resource, resourceNames limiting names, a namespace
// limiting where (unset: everywhere), nonResourceURLs with a trailing "*".

import type { UserInfo } from '../../src/apiserver/context.js';
import type { Attributes, AuthorizationResult, Authorizer, RuleResolver, RulesResult } from '../../src/apiserver/authz/types.js';

export interface FixedRule {
  /** Who: user names, or groups written as "group:NAME". */
  subjects: string[];
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  /** Only in this namespace (a RoleBinding); unset: cluster-wide (a ClusterRoleBinding). */
  namespace?: string;
  nonResourceURLs?: string[];
}

const any = (list: string[] | undefined, v: string) => !!list && (list.includes('*') || list.includes(v));

function applies(rule: FixedRule, user: UserInfo): boolean {
  return rule.subjects.some((s) => (s.startsWith('group:') ? user.groups.includes(s.slice(6)) : s === user.name));
}

function matches(rule: FixedRule, a: Attributes): boolean {
  if (!any(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return !!rule.nonResourceURLs?.some((u) => u === a.path || u === '*' || (u.endsWith('*') && (a.path ?? '').startsWith(u.slice(0, -1))));
  if (rule.nonResourceURLs) return false;
  if (rule.namespace !== undefined && rule.namespace !== a.namespace) return false;
  if (!any(rule.apiGroups, a.apiGroup ?? '')) return false;
  const res = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  if (!any(rule.resources, res)) return false;
  return !rule.resourceNames?.length || rule.resourceNames.includes(a.name ?? '');
}

export class FixedRulesAuthorizer implements Authorizer, RuleResolver {
  readonly name = 'fixed-rules';
  constructor(readonly rules: FixedRule[]) {}

  authorize(a: Attributes): AuthorizationResult {
    const i = this.rules.findIndex((r) => applies(r, a.user) && matches(r, a));
    return i >= 0 ? { decision: 'allow', reason: `allowed by test rule ${i}` } : { decision: 'noOpinion', reason: '' };
  }

  rulesFor(user: UserInfo, namespace: string): RulesResult {
    const mine = this.rules.filter((r) => applies(r, user) && (r.namespace === undefined || r.namespace === namespace));
    return {
      resourceRules: mine.filter((r) => !r.nonResourceURLs).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups, resources: r.resources, resourceNames: r.resourceNames })),
      nonResourceRules: mine.filter((r) => r.nonResourceURLs).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
      incomplete: false,
    };
  }
}
