// ResourceQuota validation, as Kubernetes' ValidateResourceQuota: resource names a quota may track,
// non-negative (and, for object counts, whole) amounts, known scopes valid for the tracked
// resources, no conflicting scopes, well-formed scope selectors; scopes are immutable.

import { fieldErr } from '../errors.js';
import type { FieldError, KObject } from '../kind.js';
import { formatAmount, milliValue, parseAmount } from './amount.js';
import { CONFLICTING_SCOPES, EXISTS_ONLY_SCOPES, QUOTA_SCOPES, isIntegerResource, isStandardQuotaResource, isStandardResource, qualifiedNameProblems, scopeValidForResource } from './names.js';

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => !!v && typeof v === 'object' && !Array.isArray(v);

/** A string field as text; anything else (hostile JSON) as ''. */
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** validateResourceName: a qualified name; without a domain, a standard resource. */
export function validateResourceName(name: string, path: string): FieldError[] {
  const errs = qualifiedNameProblems(name).map((m) => fieldErr.invalid(path, name, m));
  if (errs.length) return errs;
  if (!name.includes('/') && !isStandardResource(name)) errs.push(fieldErr.invalid(path, name, 'must be a standard resource type or fully qualified'));
  return errs;
}

function validateQuotaResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/') && !isStandardQuotaResource(name)) errs.push(fieldErr.invalid(path, name, 'must be a standard resource for quota'));
  return errs;
}

/** ValidateResourceQuantityValue: not negative; whole for resources counted in units. */
export function validateQuantityValue(resource: string, value: unknown, path: string): FieldError[] {
  const a = parseAmount(value);
  if (!a) return []; // the schema reports malformed quantities
  const errs: FieldError[] = [];
  if (a.nano < 0n) errs.push(fieldErr.invalid(path, formatAmount(a), 'must be greater than or equal to 0'));
  if (isIntegerResource(resource) && milliValue(a) % 1000n !== 0n) errs.push(fieldErr.invalid(path, value, 'must be an integer'));
  return errs;
}

function validateList(list: unknown, path: string): FieldError[] {
  if (!isObj(list)) return [];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(list)) {
    errs.push(...validateQuotaResourceName(k, `${path}[${k}]`), ...validateQuantityValue(k, v, `${path}[${k}]`));
  }
  return errs;
}

function validateScopes(spec: J, hard: string[]): FieldError[] {
  const scopes = strings(spec.scopes);
  if (scopes.length === 0) return [];
  const errs: FieldError[] = [];
  for (const scope of scopes) {
    if (!(QUOTA_SCOPES as readonly string[]).includes(scope)) errs.push(fieldErr.invalid('spec.scopes', scopes, 'unsupported scope'));
    for (const k of [...hard].sort()) if (isStandardQuotaResource(k) && !scopeValidForResource(scope, k)) errs.push(fieldErr.invalid('spec.scopes', scopes, 'unsupported scope applied to resource'));
  }
  for (const [a, b] of CONFLICTING_SCOPES) if (scopes.includes(a) && scopes.includes(b)) errs.push(fieldErr.invalid('spec.scopes', scopes, 'conflicting scopes'));
  return errs;
}

function validateScopeSelector(spec: J, hard: string[]): FieldError[] {
  if (!isObj(spec.scopeSelector)) return [];
  const p = 'spec.scopeSelector.matchExpressions';
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  const exprs = Array.isArray(spec.scopeSelector.matchExpressions) ? spec.scopeSelector.matchExpressions : [];
  for (const req of exprs) {
    if (!isObj(req)) continue;
    const scope = text(req.scopeName);
    const op = text(req.operator);
    const values = strings(req.values);
    if (!(QUOTA_SCOPES as readonly string[]).includes(scope)) errs.push(fieldErr.invalid(`${p}.scopeName`, scope, 'unsupported scope'));
    for (const k of [...hard].sort()) if (isStandardQuotaResource(k) && !scopeValidForResource(scope, k)) errs.push(fieldErr.invalid(p, spec.scopeSelector, 'unsupported scope applied to resource'));
    if (EXISTS_ONLY_SCOPES.has(scope) && op !== 'Exists') {
      errs.push(fieldErr.invalid(`${p}.operator`, op, "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity"));
    }
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) errs.push(fieldErr.required(`${p}.values`, "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length !== 0) errs.push(fieldErr.invalid(`${p}.values`, values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
    } else {
      errs.push(fieldErr.invalid(`${p}.operator`, op, 'not a valid selector operator'));
    }
    seen.add(scope);
  }
  for (const [a, b] of CONFLICTING_SCOPES) if (seen.has(a) && seen.has(b)) errs.push(fieldErr.invalid(p, spec.scopes ?? null, 'conflicting scopes'));
  return errs;
}

export function validateResourceQuota(obj: KObject, old?: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const hard = isObj(spec.hard) ? Object.keys(spec.hard) : [];
  const status = isObj(obj.status) ? obj.status : {};
  const errs = [...validateList(spec.hard, 'spec.hard'), ...validateScopes(spec, hard), ...validateScopeSelector(spec, hard), ...validateList(status.hard, 'status.hard'), ...validateList(status.used, 'status.used')];
  if (old) {
    const oldSpec = isObj(old.spec) ? old.spec : {};
    const a = new Set(strings(spec.scopes));
    const b = new Set(strings(oldSpec.scopes));
    if (a.size !== b.size || [...a].some((s) => !b.has(s))) errs.push(fieldErr.invalid('spec.scopes', spec.scopes ?? null, 'field is immutable'));
  }
  return errs;
}
