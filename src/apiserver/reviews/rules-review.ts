// SelfSubjectRulesReview: what the requesting user may do in a namespace, from the authorizer's
// RuleResolver (the chain merges its members'). An authorizer that cannot list rules gives an empty,
// incomplete answer, which kubectl reports as such.

import { badRequest } from '../../api/errors.js';
import { apiVersionOf, type KindDef, type KObject } from '../../api/kind.js';
import type { UserInfo } from '../context.js';
import { isRuleResolver } from '../authz/rules.js';
import type { Authorizer, NonResourceRule, ResourceRule, RulesResult } from '../authz/types.js';

/** Go's omitempty: verbs always, the other lists only when set. */
function resourceRuleJson(r: ResourceRule): ResourceRule {
  return { verbs: r.verbs ?? [], ...(r.apiGroups?.length ? { apiGroups: r.apiGroups } : {}), ...(r.resources?.length ? { resources: r.resources } : {}), ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) };
}
function nonResourceRuleJson(r: NonResourceRule): NonResourceRule {
  return { verbs: r.verbs ?? [], ...(r.nonResourceURLs?.length ? { nonResourceURLs: r.nonResourceURLs } : {}) };
}

export async function rulesOf(authorizer: Authorizer, user: UserInfo, namespace: string): Promise<RulesResult> {
  if (!isRuleResolver(authorizer)) return { resourceRules: [], nonResourceRules: [], incomplete: true };
  try {
    return await authorizer.rulesFor(user, namespace);
  } catch (e) {
    return { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: e instanceof Error ? e.message : String(e) };
  }
}

export async function answerRulesReview(def: KindDef, authorizer: Authorizer, review: KObject, user: UserInfo): Promise<KObject> {
  const namespace = (review.spec as { namespace?: string } | undefined)?.namespace ?? '';
  if (!namespace) throw badRequest('no namespace on request');
  const r = await rulesOf(authorizer, user, namespace);
  return {
    apiVersion: apiVersionOf(def),
    kind: def.kind,
    metadata: {},
    spec: {},
    status: {
      resourceRules: r.resourceRules.map(resourceRuleJson),
      nonResourceRules: r.nonResourceRules.map(nonResourceRuleJson),
      incomplete: r.incomplete,
      ...(r.evaluationError ? { evaluationError: r.evaluationError } : {}),
    },
  };
}
