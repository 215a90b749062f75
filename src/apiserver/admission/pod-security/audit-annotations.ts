// The audit annotations Pod Security Admission leaves on a request, as Kubernetes records them in
// its audit events: pod-security.kubernetes.io/enforce-policy, .../audit-violations (the audit level's
// findings) and .../exempt (namespace, user or runtimeClass). Kept per request until the audit log
// (another part of issue 10) reads them with podSecurityAuditAnnotations(rc) when it writes the event.

import type { RequestContext } from '../../context.js';

const byRequest = new WeakMap<RequestContext, Record<string, string>>();

export const ENFORCE_POLICY = 'pod-security.kubernetes.io/enforce-policy';
export const AUDIT_VIOLATIONS = 'pod-security.kubernetes.io/audit-violations';
export const EXEMPT = 'pod-security.kubernetes.io/exempt';

export function annotate(rc: RequestContext, key: string, value: string) {
  let a = byRequest.get(rc);
  if (!a) byRequest.set(rc, (a = {}));
  a[key] = value;
}

/** What PodSecurity recorded for this request (empty when it did not look at it). */
export function podSecurityAuditAnnotations(rc: RequestContext): Record<string, string> {
  return { ...(byRequest.get(rc) ?? {}) };
}
