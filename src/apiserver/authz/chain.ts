// The authorizer chain and the 403 message Kubernetes prints when it says no.

import { ApiError } from '../../api/errors.js';
import type { UserInfo } from '../context.js';
import { everythingRules, mergedRules } from './rules.js';
import type { Attributes, AuthorizationResult, Authorizer, RuleResolver, RulesResult } from './types.js';

/** Members of system:masters may do anything, before any other authorizer is asked (as in Kubernetes). */
export const privilegedGroupAuthorizer: Authorizer = {
  name: 'privileged-group',
  authorize: (a) => (a.user.groups.includes('system:masters') ? { decision: 'allow', reason: 'member of system:masters' } : { decision: 'noOpinion', reason: '' }),
};

/** Allows everything: for servers started without authorization (tests of other parts, benchmarks' baselines). */
export const alwaysAllow: Authorizer & RuleResolver = { name: 'always-allow', authorize: () => ({ decision: 'allow', reason: 'authorization is off' }), rulesFor: everythingRules };

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

  /** The members' rules merged (those that can list them; see rules.ts). */
  rulesFor(user: UserInfo, namespace: string): Promise<RulesResult> {
    return mergedRules(this.members, user, namespace);
  }
}

/** Kubernetes' wording: `pods "x" is forbidden: User "u" cannot get resource "pods" in API group "" in the namespace "ns"`. */
export function forbiddenMessage(a: Attributes, reason?: string): string {
  const user = `User "${a.user.name}"`;
  let msg: string;
  if (!a.resourceRequest) {
    msg = `forbidden: ${user} cannot ${a.verb} path "${a.path}"`;
  } else {
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const subject = a.name ? `${res} "${a.name}"` : res;
    const where = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
    msg = `${subject} is forbidden: ${user} cannot ${a.verb} resource "${res}" in API group "${a.apiGroup ?? ''}"${where}`;
  }
  return reason ? `${msg}: ${reason}` : msg;
}

/** The 403 Status for a refused request, with details naming the resource as Kubernetes' do. */
export function forbiddenError(a: Attributes, reason?: string): ApiError {
  const details = a.resourceRequest ? { name: a.name, group: a.apiGroup, kind: a.subresource ? `${a.resource}/${a.subresource}` : a.resource } : {};
  return new ApiError(403, 'Forbidden', forbiddenMessage(a, reason), details);
}

/** Allowed, or throws the 403. */
export async function authorizeOrThrow(authorizer: Authorizer, a: Attributes): Promise<void> {
  const r = await authorizer.authorize(a);
  // Kubernetes appends the reasons of a refusal, no-opinion ones too (the Node authorizer's "no relationship found...").
  if (r.decision !== 'allow') throw forbiddenError(a, r.reason || undefined);
}
