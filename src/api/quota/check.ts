// Quota admission's decision, pure (Kubernetes' CheckRequest): given the namespace's quotas and one
// create or update, which quotas it is charged to and their new status.used, or why it is refused.
// The caller stores the new usage (optimistically, retrying on conflict) before the object.

import type { KObject } from '../kind.js';
import { type Amounts, addAll, amountsOf, cmp, isZero, listOf, mask, prettyPrint, sub } from './amount.js';
import { constraints, type GroupResource, handles, matchesAllScopes, matchingResources, usageOf } from './usage.js';

export interface QuotaRequest {
  gr: GroupResource;
  operation: string;
  obj: KObject;
  old?: KObject;
  now?: number;
}

export interface QuotaCharge {
  /** The quota as read (its metadata.resourceVersion is what the update expects). */
  quota: KObject;
  /** Its new status.used. */
  used: Record<string, string>;
}

export type QuotaDecision = { refused: string } | { charges: QuotaCharge[] };

// biome-ignore lint/suspicious/noExplicitAny: objects are untyped JSON here, read defensively.
type J = Record<string, any>;
const nameOf = (q: KObject) => (typeof q.metadata?.name === 'string' ? q.metadata.name : '');
const statusOf = (q: KObject) => (q.status && typeof q.status === 'object' ? (q.status as J) : {});

/** Whether status.used has every resource of status.hard the evaluator tracks (hasUsageStats). */
function hasUsageStats(q: KObject, tracked: string[]): boolean {
  const used = statusOf(q).used ?? {};
  return tracked.every((r) => r in used);
}

export function checkQuotaRequest(quotas: KObject[], r: QuotaRequest): QuotaDecision {
  if (!handles(r.gr, r.operation, r.obj, r.old)) return { charges: [] };
  const interesting: { quota: KObject; hard: Amounts }[] = [];
  for (const q of quotas) {
    const hard = amountsOf(statusOf(q).hard);
    const tracked = matchingResources(r.gr, hard.keys());
    // A quota matches when it tracks one of the resource's names and the object is in all its scopes.
    if (tracked.length === 0 || !matchesAllScopes(r.gr, q, r.obj)) continue;
    const name = nameOf(q);
    const problem = constraints(r.gr, tracked, r.obj);
    if (problem) return { refused: `failed quota: ${name}: ${problem}` };
    if (!hasUsageStats(q, tracked)) return { refused: `status unknown for quota: ${name}, resources: ${[...tracked].sort().join(',')}` };
    interesting.push({ quota: q, hard });
  }
  if (interesting.length === 0) return { charges: [] };
  let delta = usageOf(r.gr, r.obj, r.now);
  for (const [k, v] of delta) if (v.nano < 0n) return { refused: `quota usage is negative for resource(s): ${k}` };
  // An update is charged what it adds (never a negative amount: quota is released by the controller).
  if (r.operation === 'UPDATE' && r.old?.metadata?.resourceVersion) {
    const prev = usageOf(r.gr, r.old, r.now);
    const d: Amounts = new Map();
    for (const [k, v] of delta) {
      const p = prev.get(k);
      const diff = p ? sub(v, p) : v;
      d.set(k, diff.nano < 0n ? { nano: 0n, format: v.format } : diff);
    }
    delta = d;
  }
  for (const [k, v] of [...delta]) if (isZero(v)) delta.delete(k);
  if (delta.size === 0) return { charges: [] };
  const charges: QuotaCharge[] = [];
  for (const { quota, hard } of interesting) {
    const used = amountsOf(statusOf(quota).used);
    const requested = mask(delta, hard.keys());
    if (requested.size === 0) continue;
    const newUsed = addAll(used, requested);
    const exceeded = [...requested.keys()].filter((k) => cmp(newUsed.get(k)!, hard.get(k)!) > 0).sort();
    if (exceeded.length > 0) {
      return { refused: `exceeded quota: ${nameOf(quota)}, requested: ${prettyPrint(mask(requested, exceeded))}, used: ${prettyPrint(mask(used, exceeded))}, limited: ${prettyPrint(mask(hard, exceeded))}` };
    }
    charges.push({ quota, used: listOf(newUsed) });
  }
  return { charges };
}
