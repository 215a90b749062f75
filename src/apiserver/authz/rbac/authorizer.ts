// The RBAC authorizer: allows a request when a rule of a role bound to the user (by name, group or
// service account) allows it; ClusterRoleBindings apply everywhere, RoleBindings in their namespace.
// Otherwise it has no opinion (the chain then denies). Reasons are worded as Kubernetes':
// `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"`.
// Also lists a user's rules in a namespace for SelfSubjectRulesReview and escalation checks.

import type { Binding, PolicyRule, Subject } from '../../../api/kinds/rbac/types.js';
import type { UserInfo } from '../../context.js';
import type { Attributes, AuthorizationResult, Authorizer, NonResourceRule, ResourceRule, RuleResolver, RulesResult } from '../types.js';
import type { MatchedBinding, PolicyIndex } from './policy-index.js';
import { rulesAllow } from './rules.js';

const NO_OPINION: AuthorizationResult = { decision: 'noOpinion', reason: '' };

function describeSubject(s: Subject, bindingNamespace: string | undefined): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace || ''}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

function describeBinding(b: Binding): string {
  const ns = b.metadata?.namespace;
  const kind = ns ? 'RoleBinding' : 'ClusterRoleBinding';
  const name = ns ? `${b.metadata?.name}/${ns}` : (b.metadata?.name ?? '');
  return `${kind} ${JSON.stringify(name)} of ${b.roleRef?.kind} ${JSON.stringify(b.roleRef?.name ?? '')}`;
}

export class RbacAuthorizer implements Authorizer, RuleResolver {
  readonly name = 'rbac';

  constructor(
    private index: PolicyIndex,
    /** False until the caches are filled: no opinion meanwhile (a half-read policy must not decide). */
    private ready: () => boolean = () => true,
  ) {}

  authorize(a: Attributes): AuthorizationResult {
    if (!this.ready()) return NO_OPINION;
    // Cluster-wide bindings first, then the namespace's, as Kubernetes visits them.
    let allowedBy: Binding | undefined;
    const check = (b: Binding) => {
      if (!rulesAllow(a, this.index.rulesOf(b))) return false;
      allowedBy = b;
      return true;
    };
    if (!this.index.visitCluster(a.user, check) && a.namespace) this.index.visitNamespaced(a.user, a.namespace, check);
    if (!allowedBy) return NO_OPINION;
    const subject = this.index.subjectFor(allowedBy, a.user);
    return { decision: 'allow', reason: `RBAC: allowed by ${describeBinding(allowedBy)} to ${subject ? describeSubject(subject, allowedBy.metadata?.namespace) : `User ${JSON.stringify(a.user.name)}`}` };
  }

  rulesFor(user: UserInfo, namespace: string): RulesResult {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    const visit = (m: MatchedBinding) => {
      const r = this.index.rulesOf(m.binding);
      if (r) rules.push(...r);
      else errors.push(`${m.binding.roleRef?.kind === 'Role' ? 'roles' : 'clusterroles'}.rbac.authorization.k8s.io ${JSON.stringify(m.binding.roleRef?.name ?? '')} not found`);
    };
    if (this.ready()) {
      for (const m of this.index.clusterBindingsFor(user)) visit(m);
      if (namespace) for (const m of this.index.roleBindingsFor(user, namespace)) visit(m);
    } else {
      errors.push('the RBAC policy cache is not ready');
    }
    return splitRules(rules, errors);
  }
}

/** Rules as SelfSubjectRulesReview reports them: resource rules and non-resource rules apart. */
export function splitRules(rules: readonly PolicyRule[], errors: string[] = []): RulesResult {
  const resourceRules: ResourceRule[] = [];
  const nonResourceRules: NonResourceRule[] = [];
  for (const r of rules) {
    if (r.nonResourceURLs?.length) nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
    if (r.resources?.length || r.apiGroups?.length) {
      const rr: ResourceRule = { verbs: [...(r.verbs ?? [])], apiGroups: [...(r.apiGroups ?? [])], resources: [...(r.resources ?? [])] };
      if (r.resourceNames?.length) rr.resourceNames = [...r.resourceNames];
      resourceRules.push(rr);
    }
  }
  return { resourceRules, nonResourceRules, incomplete: errors.length > 0, ...(errors.length ? { evaluationError: errors.join('; ') } : {}) };
}
