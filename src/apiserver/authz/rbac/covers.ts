// Whether one set of rules holds every permission another grants (Kubernetes' validation.Covers),
// for escalation prevention: the servant's rules are broken into single permissions (one verb on
// one resource of one group, with or without one name; or one verb on one URL) and each must be
// covered by some owner rule. Missing ones come back compacted and printed as Kubernetes prints
// them: {APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}.

import type { PolicyRule } from '../../../api/kinds/rbac/types.js';

const hasAll = (set: readonly string[], wanted: readonly string[]) => wanted.every((w) => set.includes(w));

function resourceCoversAll(set: readonly string[], wanted: readonly string[]): boolean {
  if (set.includes('*') || hasAll(set, wanted)) return true;
  for (const path of wanted) {
    if (set.includes(path)) continue;
    const slash = path.indexOf('/');
    if (slash < 0) return false;
    if (!set.includes(`*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function nonResourceURLCovers(owner: string, wanted: string): boolean {
  if (owner === wanted) return true;
  return owner.endsWith('*') && wanted.startsWith(owner.slice(0, -1));
}

/** Whether owner covers servant (both single-permission rules or general ones). */
export function ruleCovers(owner: PolicyRule, servant: PolicyRule): boolean {
  const o = (l?: string[] | null) => l ?? [];
  const verbs = o(owner.verbs).includes('*') || hasAll(o(owner.verbs), o(servant.verbs));
  const groups = o(owner.apiGroups).includes('*') || hasAll(o(owner.apiGroups), o(servant.apiGroups));
  const resources = resourceCoversAll(o(owner.resources), o(servant.resources));
  const urls = o(servant.nonResourceURLs).every((w) => o(owner.nonResourceURLs).some((u) => nonResourceURLCovers(u, w)));
  // An owner with names covers only servants that name a subset of them.
  const names = o(owner.resourceNames).length === 0 || (o(servant.resourceNames).length > 0 && hasAll(o(owner.resourceNames), o(servant.resourceNames)));
  return verbs && groups && resources && urls && names;
}

/** One rule per verb × group × resource (× name) and per verb × URL. Bounded by the rule's own size. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

/** Most single permissions a check breaks rules into: a hostile role listing many verbs × groups × resources × names must not cost seconds. */
export const MAX_SINGLE_PERMISSIONS = 20_000;

/** Thrown when rules would break into more than MAX_SINGLE_PERMISSIONS single permissions to check. */
export class TooManyPermissions extends Error {
  constructor(readonly count: number) {
    super(`the rules grant ${count} distinct permissions, more than the ${MAX_SINGLE_PERMISSIONS} that can be checked`);
  }
}

const distinct = (l?: string[] | null) => new Set(l ?? []).size;

/** The single permissions of servantRules no owner rule covers (empty when covered). */
export function uncovered(ownerRules: readonly PolicyRule[], servantRules: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  let budget = MAX_SINGLE_PERMISSIONS;
  for (const s of servantRules) {
    // Covered whole by one owner rule (the usual case, and always for a holder of '*'): no breakdown.
    if (ownerRules.some((o) => ruleCovers(o, s))) continue;
    const count = distinct(s.verbs) * (distinct(s.apiGroups) * distinct(s.resources) * Math.max(1, distinct(s.resourceNames)) + distinct(s.nonResourceURLs));
    budget -= count;
    if (budget < 0) throw new TooManyPermissions(MAX_SINGLE_PERMISSIONS - budget);
    const dedup: PolicyRule = { verbs: [...new Set(s.verbs ?? [])], apiGroups: [...new Set(s.apiGroups ?? [])], resources: [...new Set(s.resources ?? [])], resourceNames: [...new Set(s.resourceNames ?? [])], nonResourceURLs: [...new Set(s.nonResourceURLs ?? [])] };
    for (const single of breakdownRule(dedup)) {
      if (!ownerRules.some((o) => ruleCovers(o, single))) missing.push(single);
    }
  }
  return missing;
}

/** Single permissions merged by group, resource and names (verbs gathered), as Kubernetes' CompactRules. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const byKey = new Map<string, PolicyRule>();
  const out: PolicyRule[] = [];
  for (const r of rules) {
    const simple = (r.apiGroups?.length ?? 0) === 1 && (r.resources?.length ?? 0) === 1 && !r.nonResourceURLs?.length;
    if (!simple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups, r.resources, r.resourceNames ?? []]);
    const held = byKey.get(key);
    if (held) {
      for (const v of r.verbs) if (!held.verbs.includes(v)) held.verbs.push(v);
    } else {
      const copy = { ...r, verbs: [...r.verbs] };
      byKey.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}

const quoted = (l: readonly string[]) => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`;

/** Kubernetes' CompactString: only the fields set, in its order. */
export function ruleString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${quoted(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${quoted(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${quoted(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${quoted(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${quoted(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
