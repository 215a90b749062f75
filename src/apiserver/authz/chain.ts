// The authorizer chain and the 403 message Kubernetes prints when it says no.

import { ApiError } from '../../api/errors.js';
import type { UserInfo } from '../context.js';
import type { Attributes, AuthorizationResult, Authorizer, RuleResolver, RulesResult } from './types.js';

const isMaster = (u: UserInfo) => u.groups.includes('system:masters');

/** Every verb on everything: the rules of an authorizer that allows all it is asked. */
const everything = (): RulesResult => ({ resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }], incomplete: false });

/** Members of system:masters may do anything, before any other authorizer is asked (as in Kubernetes). */
export const privilegedGroupAuthorizer: Authorizer & RuleResolver = {
  name: 'privileged-group',
  authorize: (a) => (isMaster(a.user) ? { decision: 'allow', reason: 'member of system:masters' } : { decision: 'noOpinion', reason: '' }),
  rulesFor: (user) => (isMaster(user) ? everything() : { resourceRules: [], nonResourceRules: [], incomplete: false }),
};

export const isRuleResolver = (a: unknown): a is RuleResolver => typeof (a as Partial<RuleResolver>)?.rulesFor === 'function';

/** Allows everything: for servers started without authorization (tests of other parts, benchmarks' baselines). */
export const alwaysAllow: Authorizer & RuleResolver = { name: 'always-allow', authorize: () => ({ decision: 'allow', reason: 'authorization is off' }), rulesFor: everything };

export class AuthorizerChain implements Authorizer, RuleResolver {
  readonly name = 'chain';
  constructor(readonly members: Authorizer[]) {}

  async authorize(a: Attributes): Promise<AuthorizationResult> {
    const reasons: string[] = [];
    for (const m of this.members) {
      const r = await m.authorize(a);
      if (r.decision !== 'noOpinion') return r;
      if (r.reason) reasons.push(r.reason);
    }
    return { decision: 'noOpinion', reason: reasons.join(', ') };
  }

  /** What the members that can list rules say, merged (others add nothing: a Node authorizer implements RuleResolver to say its answer for nodes is incomplete). */
  async rulesFor(user: UserInfo, namespace: string): Promise<RulesResult> {
    const out: RulesResult = { resourceRules: [], nonResourceRules: [], incomplete: false };
    const errors: string[] = [];
    for (const m of this.members) {
      if (!isRuleResolver(m)) continue;
      const r = await m.rulesFor(user, namespace);
      out.resourceRules.push(...r.resourceRules);
      out.nonResourceRules.push(...r.nonResourceRules);
      if (r.incomplete) out.incomplete = true;
      if (r.evaluationError) errors.push(r.evaluationError);
    }
    if (errors.length) out.evaluationError = errors.join('; ');
    return out;
  }
}

/** Kubernetes' wording: `pods "x" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "ns"`, `deployments.apps is forbidden: ...`. */
export function forbiddenMessage(a: Attributes, reason?: string): string {
  const user = `User "${a.user.name}"`;
  let msg: string;
  if (!a.resourceRequest) {
    msg = `forbidden: ${user} cannot ${a.verb} path "${a.path}"`;
  } else {
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    // The subject is the group-qualified resource, without the subresource (Kubernetes' NewForbidden).
    const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
    const subject = a.name ? `${qualified} "${a.name}"` : qualified;
    const where = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
    msg = `${subject} is forbidden: ${user} cannot ${a.verb} resource "${res}" in API group "${a.apiGroup ?? ''}"${where}`;
  }
  return reason ? `${msg}: ${reason}` : msg;
}

/** The 403 Status for a refused request, with details naming the resource as Kubernetes' do. */
export function forbiddenError(a: Attributes, reason?: string): ApiError {
  const details = a.resourceRequest ? { name: a.name, group: a.apiGroup, kind: a.resource } : {};
  return new ApiError(403, 'Forbidden', forbiddenMessage(a, reason), details);
}

/** Allowed, or throws the 403. */
export async function authorizeOrThrow(authorizer: Authorizer, a: Attributes): Promise<void> {
  const r = await authorizer.authorize(a);
  // Kubernetes appends the reasons of a refusal, no-opinion ones too (the Node authorizer's "no relationship found...").
  if (r.decision !== 'allow') throw forbiddenError(a, r.reason || undefined);
}
