// Authorization, as Kubernetes models it: every request becomes a set of attributes (who, which
// verb, on what), and an ordered chain of authorizers each allows, denies or has no opinion. The
// first allow or deny decides; when every authorizer passes, the request is denied.

import type { UserInfo } from '../context.js';

export interface Attributes {
  user: UserInfo;
  /** Resource verbs (get, list, watch, create, update, patch, delete, deletecollection, and special ones
   * such as impersonate, bind, escalate, approve) or, for non-resource paths, the lowercased HTTP method. */
  verb: string;
  /** True for /api and /apis resource paths; false for non-resource paths like /healthz or /version. */
  resourceRequest: boolean;
  /** Resource requests: '' for the core group. */
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Non-resource requests: the URL path. */
  path?: string;
}

export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface AuthorizationResult {
  decision: Decision;
  /** Why: shown in 403 messages and audit annotations (e.g. `RBAC: allowed by ClusterRoleBinding "x"`). */
  reason: string;
}

export interface Authorizer {
  readonly name: string;
  authorize(a: Attributes): AuthorizationResult | Promise<AuthorizationResult>;
}

/** A rule as SelfSubjectRulesReview reports it. */
export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}
export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs?: string[];
}
export interface RulesResult {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** True when an authorizer could not list everything it would allow (rules are then a lower bound). */
  incomplete: boolean;
  evaluationError?: string;
}

/** Authorizers that can list what a user may do in a namespace implement this (RBAC does; `kubectl auth can-i --list`). */
export interface RuleResolver {
  rulesFor(user: UserInfo, namespace: string): RulesResult | Promise<RulesResult>;
}
