// Validation of custom objects against their compiled CRD schema, as Kubernetes' custom resource
// validator does it (kube-openapi's messages: "spec.replicas in body should be less than or equal
// to 10"), plus list-type set/map uniqueness, embedded resources and CEL rules with oldSelf.

import { deepEqual } from '../../util/equal.js';
import { fieldErr } from '../errors.js';
import type { FieldError } from '../kind.js';
import { validateEmbeddedResource } from './embedded.js';
import { matchesFormat } from './formats.js';
import type { Node } from './node.js';
import { evaluateRules, type RuleBudget } from './rules.js';

export interface ValueContext {
  errors: FieldError[];
  budget: RuleBudget;
  /** Visits left: a bound on the work one object may cost. */
  steps: number;
  /** Pattern matching left (program size x value length). */
  regex: number;
}

/** About a second of matching per object: values too long for their pattern are refused, not matched. */
export const REGEX_BUDGET = 60_000_000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v === 'object' ? 'object' : typeof v);
const child = (path: string, k: string) => (path ? `${path}.${k}` : k);
/** Kubernetes converts composite (junctor) errors with the CR validator's nil field path. */
const NO_PATH = '<nil>';
const inBody = (path: string, detail: string) => `${path || 'body'} in body ${detail}`;
/** Canonical JSON (sorted keys) for equality of list entries. */
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (isObj(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canon(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Canonical forms of an enum's values, computed once per schema node. */
const enumCache = new WeakMap<unknown[], Set<string>>();
function enumKeys(e: unknown[]): Set<string> {
  let s = enumCache.get(e);
  if (!s) enumCache.set(e, (s = new Set(e.map(canon))));
  return s;
}

function typeMatches(type: Node['type'], v: unknown): boolean {
  switch (type) {
    case 'object':
      return isObj(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

/** Validates `v` (at `path`) against `n`; `old` is the correlated old value on update (hasOld). */
export function validateValue(n: Node, v: unknown, path: string, ctx: ValueContext, old?: unknown, hasOld = false): void {
  if (--ctx.steps < 0) {
    if (ctx.steps === -1) ctx.errors.push(fieldErr.forbidden(path, 'the object is too large or too deeply nested to validate'));
    return;
  }
  // Ratcheting (Kubernetes 1.30+): a value unchanged from the correlated old one is not re-validated,
  // so objects stored under an older, looser schema can still be updated elsewhere.
  if (hasOld && !n.transitions && deepEqual(v, old)) return;
  const errs = ctx.errors;
  if (v === null && (n.nullable || (!n.type && !n.intOrString))) return;
  if (n.intOrString) {
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) {
      errs.push(fieldErr.typeInvalid(path, typeName(v), inBody(path, `must be of type integer-or-string: "${typeName(v)}"`)));
      return;
    }
  } else if (n.type && !typeMatches(n.type, v)) {
    errs.push(fieldErr.typeInvalid(path, typeName(v), inBody(path, `must be of type ${n.type}: "${typeName(v)}"`)));
    return;
  }
  if (n.enum && !enumKeys(n.enum).has(canon(v))) {
    errs.push(
      fieldErr.notSupported(
        path,
        v,
        n.enum.map((e) => (typeof e === 'string' ? e : canon(e))),
      ),
    );
  }
  if (typeof v === 'string') validateString(n, v, path, ctx);
  else if (typeof v === 'number') validateNumber(n, v, path, errs);
  else if (Array.isArray(v)) validateArray(n, v, path, ctx, old, hasOld);
  else if (isObj(v)) validateObject(n, v, path, ctx, old, hasOld);
  validateJunctors(n, v, path, ctx);
  if (n.rules?.length) evaluateRules(n.rules, v, old, hasOld, path, n.type ?? typeName(v), ctx.budget, errs);
}

function validateString(n: Node, v: string, path: string, ctx: ValueContext) {
  const errs = ctx.errors;
  if (n.maxLength !== undefined && [...v].length > n.maxLength) errs.push(fieldErr.tooLong(path, n.maxLength));
  if (n.minLength !== undefined && [...v].length < n.minLength) errs.push(fieldErr.invalid(path, v, inBody(path, `should be at least ${n.minLength} chars long`)));
  if (n.pattern) {
    ctx.regex -= n.pattern.cost * (v.length + 1);
    if (ctx.regex < 0) errs.push(fieldErr.forbidden(path, `matching '${n.pattern.source}' exceeds the validation budget: the value is too long for its pattern`));
    else if (!n.pattern.re.test(v)) errs.push(fieldErr.invalid(path, v, inBody(path, `should match '${n.pattern.source}'`)));
  }
  if (n.format && !matchesFormat(n.format, v)) errs.push(fieldErr.typeInvalid(path, v, inBody(path, `must be of type ${n.format}: ${JSON.stringify(v.length > 64 ? `${v.slice(0, 64)}...` : v)}`)));
}

function validateNumber(n: Node, v: number, path: string, errs: FieldError[]) {
  if (n.maximum !== undefined && (n.exclusiveMaximum ? v >= n.maximum : v > n.maximum)) errs.push(fieldErr.invalid(path, v, inBody(path, `should be less than ${n.exclusiveMaximum ? '' : 'or equal to '}${n.maximum}`)));
  if (n.minimum !== undefined && (n.exclusiveMinimum ? v <= n.minimum : v < n.minimum)) errs.push(fieldErr.invalid(path, v, inBody(path, `should be greater than ${n.exclusiveMinimum ? '' : 'or equal to '}${n.minimum}`)));
  if (n.multipleOf !== undefined && n.multipleOf > 0) {
    const q = v / n.multipleOf;
    if (!Number.isFinite(q) || Math.abs(q - Math.round(q)) > 1e-9) errs.push(fieldErr.invalid(path, v, inBody(path, `should be a multiple of ${n.multipleOf}`)));
  }
}

function validateArray(n: Node, v: unknown[], path: string, ctx: ValueContext, old: unknown, hasOld: boolean) {
  const errs = ctx.errors;
  if (n.maxItems !== undefined && v.length > n.maxItems) errs.push({ field: path, reason: 'FieldValueTooMany', message: `Too many: ${v.length}: must have at most ${n.maxItems} items` });
  if (n.minItems !== undefined && v.length < n.minItems) errs.push(fieldErr.invalid(path, v.length, inBody(path, `should have at least ${n.minItems} items`)));
  if (n.uniqueItems) {
    const seen = new Set<string>();
    for (const x of v) {
      const k = canon(x);
      if (seen.has(k)) {
        errs.push(fieldErr.invalid(path, '', inBody(path, "shouldn't contain duplicates")));
        break;
      }
      seen.add(k);
    }
  }
  // Old items correlate only through list-map keys (Kubernetes' rule for transition rules).
  const keyOf = (x: unknown) => (isObj(x) && n.listMapKeys ? canon(n.listMapKeys.map((k) => x[k] ?? null)) : undefined);
  let oldByKey: Map<string, unknown> | undefined;
  if (n.listType === 'map' && hasOld && Array.isArray(old)) {
    oldByKey = new Map();
    for (const x of old) {
      const k = keyOf(x);
      if (k !== undefined) oldByKey.set(k, x);
    }
  }
  if (n.listType === 'set' || n.listType === 'map') {
    const seen = new Set<string>();
    v.forEach((x, i) => {
      const k = n.listType === 'set' ? canon(x) : keyOf(x);
      if (k === undefined) return;
      if (seen.has(k)) errs.push(fieldErr.duplicate(`${path}[${i}]`, n.listType === 'set' ? x : Object.fromEntries(n.listMapKeys!.map((mk) => [mk, (x as Obj)[mk]]))));
      seen.add(k);
    });
  }
  if (!n.items) return;
  v.forEach((x, i) => {
    const k = oldByKey ? keyOf(x) : undefined;
    const o = k !== undefined ? oldByKey!.get(k) : undefined;
    validateValue(n.items!, x, `${path}[${i}]`, ctx, o, o !== undefined);
  });
}

function validateObject(n: Node, v: Obj, path: string, ctx: ValueContext, old: unknown, hasOld: boolean) {
  const errs = ctx.errors;
  const count = Object.keys(v).length;
  if (n.maxProperties !== undefined && count > n.maxProperties) errs.push(fieldErr.invalid(path, count, inBody(path, `should have at most ${n.maxProperties} properties`)));
  if (n.minProperties !== undefined && count < n.minProperties) errs.push(fieldErr.invalid(path, count, inBody(path, `should have at least ${n.minProperties} properties`)));
  for (const r of n.required ?? []) if (v[r] === undefined || (v[r] === null && !(n.properties && Object.hasOwn(n.properties, r) && n.properties[r].nullable))) errs.push(fieldErr.required(child(path, r)));
  if (n.embeddedResource) errs.push(...validateEmbeddedResource(v, path));
  const oldObj = hasOld && isObj(old) ? old : undefined;
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    const ps = n.properties && Object.hasOwn(n.properties, k) ? n.properties[k] : undefined;
    const o = oldObj?.[k];
    if (ps) {
      if (x === null && !ps.nullable) continue; // pruned before storage
      validateValue(ps, x, child(path, k), ctx, o, o !== undefined);
    } else if (n.additionalProperties === false) {
      errs.push(fieldErr.forbidden(child(path, k), inBody(child(path, k), 'is a forbidden property')));
    } else if (n.additionalProperties) {
      validateValue(n.additionalProperties, x, `${path}[${k}]`, ctx, o, o !== undefined);
    }
  }
}

/** Most causes one failed anyOf/oneOf reports from its closest branch: nested junctors must not multiply. */
export const MAX_BRANCH_CAUSES = 16;

/**
 * allOf/anyOf/oneOf/not: value validations only (structural schemas keep types outside them).
 * Worded as kube-openapi's schema props validator: the junctor error names the path in quotes and,
 * like every composite error the CR validator converts, carries no field path ("<nil>") and value "".
 * A failed anyOf (or oneOf with no valid branch) also reports the errors of the branch that came
 * closest, as kube-openapi's "best failures": there the branch with the highest match count, here
 * the one that walked the most values before failing (first on ties), capped at MAX_BRANCH_CAUSES.
 */
function validateJunctors(n: Node, v: unknown, path: string, ctx: ValueContext) {
  const run = (s: Node) => {
    const sub: ValueContext = { errors: [], budget: ctx.budget, steps: ctx.steps, regex: ctx.regex };
    validateValue(s, v, path, sub);
    const walked = ctx.steps - sub.steps;
    ctx.steps = sub.steps;
    ctx.regex = sub.regex;
    return { errors: sub.errors, walked };
  };
  const composite = (detail: string) => ctx.errors.push(fieldErr.invalid(NO_PATH, '', `${JSON.stringify(path)} ${detail}`));
  const causes = (best: { errors: FieldError[] } | undefined) => {
    if (best) ctx.errors.push(...best.errors.slice(0, MAX_BRANCH_CAUSES));
  };
  if (n.anyOf?.length) {
    let best: { errors: FieldError[]; walked: number } | undefined;
    let ok = false;
    for (const s of n.anyOf) {
      const r = run(s);
      if (r.errors.length === 0) {
        ok = true;
        break;
      }
      if (!best || r.walked > best.walked) best = r;
    }
    if (!ok) {
      composite('must validate at least one schema (anyOf)');
      causes(best);
    }
  }
  if (n.oneOf?.length) {
    let best: { errors: FieldError[]; walked: number } | undefined;
    let valid = 0;
    for (const s of n.oneOf) {
      const r = run(s);
      if (r.errors.length === 0) valid++;
      else if (valid === 0 && (!best || r.walked > best.walked)) best = r;
    }
    if (valid !== 1) {
      composite(`must validate one and only one schema (oneOf). ${valid === 0 ? 'Found none valid' : `Found ${valid} valid alternatives`}`);
      if (valid === 0) causes(best);
    }
  }
  if (n.allOf?.length) {
    // Every branch's errors count (bounded by the step budget); the summary follows them.
    let valid = 0;
    for (const s of n.allOf) {
      const r = run(s);
      if (r.errors.length === 0) valid++;
      else ctx.errors.push(...r.errors);
    }
    if (valid !== n.allOf.length) composite(`must validate all the schemas (allOf)${valid === 0 ? '. None validated' : ''}`);
  }
  if (n.not && run(n.not).errors.length === 0) composite('must not validate the schema (not)');
}
