// Listing what a user may do (SelfSubjectRulesReview, `kubectl auth can-i --list`): authorizers that
// can enumerate their rules implement RuleResolver; a chain merges its members' lists, as Kubernetes'
// union rule resolver does. Members that cannot list rules are left out, as in Kubernetes (the
// privileged-group authorizer lists nothing: RBAC's cluster-admin binding of system:masters does).

import type { UserInfo } from '../context.js';
import type { Authorizer, NonResourceRule, ResourceRule, RuleResolver, RulesResult } from './types.js';

export function isRuleResolver(a: unknown): a is RuleResolver {
  return typeof (a as Partial<RuleResolver> | null)?.rulesFor === 'function';
}

/** Everything: what an authorizer that allows all requests reports. */
export const everythingRules = (): RulesResult => ({
  resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
  nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
  incomplete: false,
});

export async function mergedRules(members: readonly Authorizer[], user: UserInfo, namespace: string): Promise<RulesResult> {
  const resourceRules: ResourceRule[] = [];
  const nonResourceRules: NonResourceRule[] = [];
  const errors: string[] = [];
  let incomplete = false;
  for (const m of members) {
    if (!isRuleResolver(m)) continue;
    try {
      const r = await m.rulesFor(user, namespace);
      resourceRules.push(...r.resourceRules);
      nonResourceRules.push(...r.nonResourceRules);
      incomplete ||= r.incomplete;
      if (r.evaluationError) errors.push(r.evaluationError);
    } catch (e) {
      // One member failing leaves the others' rules: a lower bound, said so.
      incomplete = true;
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  // Kubernetes' aggregate error: one message alone, several in brackets.
  const evaluationError = errors.length === 0 ? undefined : errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
  return { resourceRules, nonResourceRules, incomplete, ...(evaluationError ? { evaluationError } : {}) };
}
