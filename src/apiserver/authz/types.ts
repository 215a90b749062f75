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
