// compileCrdSchema: a CRD version's openAPIV3Schema checked against Kubernetes' structural-schema
// rules (apiextensions-apiserver's messages, under the caller's field path) and compiled into
//  - an ObjectSchema (src/api/schema.ts) for OpenAPI, explain, pruning, defaulting and apply, and
//  - a Node tree (node.ts) that validate() checks custom objects against (values.ts, rules.ts).
// Untrusted input: bounded depth and size, RE2 patterns (linear time), CEL compiled once.

import { RE2JS } from '@bufbuild/re2';
import { deepEqual } from '../../util/equal.js';
import { applySchemaDefaults } from '../defaults.js';
import { CostBudget } from '../cel/index.js';
import { fieldErr } from '../errors.js';
import type { FieldError, KObject } from '../kind.js';
import { kindSchema, objectMeta } from '../meta.js';
import type { ArraySchema, ObjectSchema, Schema, StringSchema } from '../schema.js';
import { pruneUnknownFields } from '../validate.js';
import type { Node, NodeType } from './node.js';
import { compileRules } from './rules.js';
import type { CompileCrdSchema, CompiledCrdSchema } from './schema.js';
import { REGEX_BUDGET, validateValue, type ValueContext } from './values.js';

type Props = Record<string, unknown>;
type Level = 'root' | 'item' | 'field';
const MAX_DEPTH = 64;
const MAX_NODES = 100_000;
const MAX_RULES = 2_000;
const MAX_PATTERN = 4_096;
/** Counted repetitions ({n,m}) in one pattern, summed: what RE2 compiles copies of. */
const MAX_PATTERN_REPEATS = 5_000;
const MAX_PATTERN_INSTRUCTIONS = 100_000;
/** Wall time all of one schema's patterns may take to compile. */
const PATTERN_COMPILE_BUDGET_MS = 5_000;
/** CEL evaluations per object (stands for Kubernetes' per-request cost budget). */
const RULE_BUDGET = 50_000;
const STEP_BUDGET = 2_000_000;
const TYPES: NodeType[] = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const isObj = (v: unknown): v is Props => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const count = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);

interface Ctx {
  errors: FieldError[];
  nodes: number;
  rules: number;
  /** Schemas with a default, checked once the whole tree is built. */
  defaults: { node: Node; schema: Schema; value: unknown; path: string }[];
  /** Large schemas repeat the same patterns: compiled once per schema. */
  patterns: Map<string, Node['pattern'] | Error>;
  patternMs: number;
}

/** The sum of counted repetitions' bounds (a{2,5} counts 5): refused above MAX_PATTERN_REPEATS before compiling. */
function repeatWeight(pattern: string): number {
  let sum = 0;
  for (const m of pattern.matchAll(/\{(\d{1,7})(?:,(\d{0,7}))?\}/g)) sum += Number(m[2] || m[1]);
  return sum;
}

interface Where {
  level: Level;
  depth: number;
  /** Set inside the items of non-map lists: oldSelf cannot correlate there. */
  uncorrelatable?: string;
  /** Why defaults are forbidden here (top-level metadata). */
  noDefaults?: string;
}

function compilePattern(p: Props, path: string, ctx: Ctx): Node['pattern'] {
  if (p.pattern === undefined) return undefined;
  if (typeof p.pattern !== 'string') {
    ctx.errors.push(fieldErr.typeInvalid(`${path}.pattern`, p.pattern, 'must be a string'));
    return undefined;
  }
  if (p.pattern.length > MAX_PATTERN) {
    ctx.errors.push(fieldErr.tooLong(`${path}.pattern`, MAX_PATTERN));
    return undefined;
  }
  let compiled = ctx.patterns.get(p.pattern);
  if (!compiled) {
    if (ctx.patternMs > PATTERN_COMPILE_BUDGET_MS) {
      ctx.errors.push(fieldErr.forbidden(`${path}.pattern`, `the schema's regular expressions take more than ${PATTERN_COMPILE_BUDGET_MS / 1000}s to compile`));
      return undefined;
    }
    const started = Date.now();
    compiled = compileRegex(p.pattern);
    ctx.patternMs += Date.now() - started;
    ctx.patterns.set(p.pattern, compiled);
  }
  if (compiled instanceof Error) {
    ctx.errors.push(fieldErr.invalid(`${path}.pattern`, p.pattern, `must be a valid regular expression, but isn't: ${compiled.message}`));
    return undefined;
  }
  return compiled;
}

/** RE2 (Go's regexp syntax and linear-time matching), with size bounds. */
function compileRegex(source: string): Node['pattern'] | Error {
  if (repeatWeight(source) > MAX_PATTERN_REPEATS) return new Error(`expression too large: more than ${MAX_PATTERN_REPEATS} repetitions in total`);
  try {
    const re = RE2JS.compile(source);
    const cost = Math.max(1, re.re2().prog.numInst());
    if (cost > MAX_PATTERN_INSTRUCTIONS) return new Error('expression too large');
    return { source, re, cost };
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

/** The value validations every schema (structural or nested) may carry. */
function valueKeywords(p: Props, path: string, ctx: Ctx, n: Node) {
  if (p.enum !== undefined) {
    if (Array.isArray(p.enum)) n.enum = p.enum;
    else ctx.errors.push(fieldErr.typeInvalid(`${path}.enum`, p.enum, 'must be a list'));
  }
  if (typeof p.format === 'string' && p.format) n.format = p.format;
  const pattern = compilePattern(p, path, ctx);
  if (pattern) n.pattern = pattern;
  for (const k of ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'] as const) {
    if (p[k] === undefined) continue;
    const c = count(p[k]);
    if (c === undefined) ctx.errors.push(fieldErr.invalid(`${path}.${k}`, p[k], 'must be a non-negative integer'));
    else n[k] = c;
  }
  for (const k of ['minimum', 'maximum', 'multipleOf'] as const) {
    if (p[k] === undefined) continue;
    const x = num(p[k]);
    if (x === undefined) ctx.errors.push(fieldErr.typeInvalid(`${path}.${k}`, p[k], 'must be a number'));
    else n[k] = x;
  }
  if (n.multipleOf !== undefined && n.multipleOf <= 0) ctx.errors.push(fieldErr.invalid(`${path}.multipleOf`, n.multipleOf, 'must be greater than zero'));
  if (p.exclusiveMinimum === true) n.exclusiveMinimum = true;
  if (p.exclusiveMaximum === true) n.exclusiveMaximum = true;
  if (p.uniqueItems === true) ctx.errors.push(fieldErr.forbidden(`${path}.uniqueItems`, 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  if (Array.isArray(p.required)) {
    if (p.required.every((r) => typeof r === 'string')) n.required = p.required as string[];
    else ctx.errors.push(fieldErr.typeInvalid(`${path}.required`, p.required, 'must be a list of strings'));
  } else if (p.required !== undefined) ctx.errors.push(fieldErr.typeInvalid(`${path}.required`, p.required, 'must be a list of strings'));
}

/** Keywords Kubernetes refuses anywhere in a CRD schema. */
function unsupportedKeywords(p: Props, path: string, ctx: Ctx) {
  const refuse: [string, string][] = [
    ['$ref', '$ref is not supported'],
    ['id', 'id is not supported'],
    ['definitions', 'definitions is not supported'],
    ['dependencies', 'dependencies is not supported'],
    ['patternProperties', 'patternProperties is not supported'],
    ['additionalItems', 'additionalItems cannot be set to true'],
    ['$schema', '$schema is not supported'],
  ];
  for (const [k, why] of refuse) if (p[k] !== undefined) ctx.errors.push(fieldErr.forbidden(`${path}.${k}`, why));
  if (Array.isArray(p.items)) ctx.errors.push(fieldErr.forbidden(`${path}.items`, 'items must be a schema object and not an array'));
}

const INT_OR_STRING_ANY_OF = (a: unknown) => Array.isArray(a) && a.length === 2 && isObj(a[0]) && isObj(a[1]) && Object.keys(a[0]).length === 1 && Object.keys(a[1]).length === 1 && a[0].type === 'integer' && a[1].type === 'string';

/**
 * A value validation under allOf/anyOf/oneOf/not: no types, defaults, descriptions or extensions
 * (they would make the schema non-structural); only what constrains values.
 */
function compileNested(p0: unknown, path: string, depth: number, ctx: Ctx, skipAnyOf = false): Node {
  const n: Node = {};
  if (!isObj(p0)) {
    ctx.errors.push(fieldErr.invalid(path, p0, 'must be an object'));
    return n;
  }
  if (++ctx.nodes > MAX_NODES || depth > MAX_DEPTH) {
    if (ctx.nodes === MAX_NODES + 1 || depth === MAX_DEPTH + 1) ctx.errors.push(fieldErr.forbidden(path, `schemas may not have more than ${MAX_NODES} nodes or ${MAX_DEPTH} levels of nesting`));
    return n;
  }
  const p = p0;
  unsupportedKeywords(p, path, ctx);
  const forbid = (k: string, why: string) => p[k] !== undefined && p[k] !== false && !(Array.isArray(p[k]) && p[k].length === 0) && p[k] !== '' && ctx.errors.push(fieldErr.forbidden(`${path}.${k}`, why));
  forbid('type', 'must be empty to be structural');
  forbid('additionalProperties', 'must be undefined to be structural');
  forbid('default', 'must be undefined to be structural');
  forbid('title', 'must be empty to be structural');
  forbid('description', 'must be empty to be structural');
  forbid('nullable', 'must be false to be structural');
  forbid('externalDocs', 'must be undefined to be structural');
  forbid('x-kubernetes-preserve-unknown-fields', 'must be false to be structural');
  forbid('x-kubernetes-embedded-resource', 'must be false to be structural');
  forbid('x-kubernetes-int-or-string', 'must be false to be structural');
  forbid('x-kubernetes-list-map-keys', 'must be empty to be structural');
  forbid('x-kubernetes-list-type', 'must be undefined to be structural');
  forbid('x-kubernetes-map-type', 'must be undefined to be structural');
  forbid('x-kubernetes-validations', 'must be empty to be structural');
  valueKeywords(p, path, ctx, n);
  if (isObj(p.properties)) {
    const props = p.properties;
    if (Object.hasOwn(props, 'metadata')) ctx.errors.push(fieldErr.forbidden(`${path}.properties[metadata]`, 'must not be specified in a nested context'));
    n.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, compileNested(v, `${path}.properties[${k}]`, depth + 1, ctx)]));
  }
  if (isObj(p.items)) n.items = compileNested(p.items, `${path}.items`, depth + 1, ctx);
  junctors(p, path, depth, ctx, n, skipAnyOf);
  return n;
}

function junctors(p: Props, path: string, depth: number, ctx: Ctx, n: Node, skipAnyOf: boolean, skipFirstAllOfAnyOf = false) {
  const list = (k: 'allOf' | 'anyOf' | 'oneOf') => {
    if (p[k] === undefined) return;
    if (!Array.isArray(p[k])) return void ctx.errors.push(fieldErr.typeInvalid(`${path}.${k}`, p[k], 'must be a list of schemas'));
    if (k === 'anyOf' && skipAnyOf) return;
    n[k] = (p[k] as unknown[]).map((s, i) => compileNested(s, `${path}.${k}[${i}]`, depth + 1, ctx, k === 'allOf' && i === 0 && skipFirstAllOfAnyOf));
    if (n[k]!.length === 0) delete n[k];
  };
  list('allOf');
  list('anyOf');
  list('oneOf');
  if (p.not !== undefined) n.not = compileNested(p.not, `${path}.not`, depth + 1, ctx);
}

/** Every field a value validation names must exist in the structural part (Kubernetes' completeness rule). */
function completeness(v: Node, s: Node | undefined, sPath: string, vPath: string, errors: FieldError[]) {
  for (const [k, sub] of Object.entries(v.properties ?? {})) {
    const own = s?.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
    const target = own ?? (s?.additionalProperties || undefined);
    if (!target) errors.push(fieldErr.required(`${sPath}.properties[${k}]`, `because it is defined in ${vPath}.properties[${k}]`));
    else completeness(sub, target, `${sPath}.properties[${k}]`, `${vPath}.properties[${k}]`, errors);
  }
  if (v.items) {
    if (!s?.items) errors.push(fieldErr.required(`${sPath}.items`, `because it is defined in ${vPath}.items`));
    else completeness(v.items, s.items, `${sPath}.items`, `${vPath}.items`, errors);
  }
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const)
    v[k]?.forEach((x, i) => {
      completeness(x, s, sPath, `${vPath}.${k}[${i}]`, errors);
    });
  if (v.not) completeness(v.not, s, sPath, `${vPath}.not`, errors);
}

/** Metadata at the root (or of an embedded resource): an object; at the root only name/generateName may be restricted. */
function checkMetadata(p: unknown, path: string, root: boolean, ctx: Ctx): Node | undefined {
  if (!isObj(p)) return undefined;
  if (p.type !== 'object') ctx.errors.push(fieldErr.invalid(`${path}.type`, p.type ?? '', 'must be object'));
  if (!root) return undefined;
  const props = isObj(p.properties) ? p.properties : {};
  // Anything else (a description, rules, other fields) makes Kubernetes' comparison with the implicit metadata fail.
  const allowedKeys = new Set(['type', 'properties']);
  const extra = Object.keys(p).some((k) => !allowedKeys.has(k)) || Object.keys(props).some((k) => k !== 'name' && k !== 'generateName');
  if (extra) {
    ctx.errors.push(fieldErr.forbidden(path, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    return undefined;
  }
  const n: Node = { type: 'object', properties: {} };
  for (const k of ['name', 'generateName']) if (props[k] !== undefined) n.properties![k] = compileNode(props[k], `${path}.properties[${k}]`, { level: 'field', depth: 2, noDefaults: 'in top-level metadata' }, ctx).node;
  return n;
}

interface Compiled {
  node: Node;
  schema: Schema;
}

function compileNode(p0: unknown, path: string, w: Where, ctx: Ctx): Compiled {
  const node: Node = {};
  const fallback: Compiled = { node, schema: { type: 'any' } };
  if (!isObj(p0)) {
    ctx.errors.push(fieldErr.invalid(path, p0, 'must be an object'));
    return fallback;
  }
  if (++ctx.nodes > MAX_NODES || w.depth > MAX_DEPTH) {
    if (ctx.nodes === MAX_NODES + 1 || w.depth === MAX_DEPTH + 1) ctx.errors.push(fieldErr.forbidden(path, `schemas may not have more than ${MAX_NODES} nodes or ${MAX_DEPTH} levels of nesting`));
    return fallback;
  }
  const p = p0;
  const errs = ctx.errors;
  unsupportedKeywords(p, path, ctx);
  const ext = (k: string) => p[`x-kubernetes-${k}`];
  const intOrString = ext('int-or-string') === true;
  const preserve = ext('preserve-unknown-fields') === true;
  const embedded = ext('embedded-resource') === true;
  for (const k of ['int-or-string', 'preserve-unknown-fields', 'embedded-resource']) {
    if (ext(k) !== undefined && typeof ext(k) !== 'boolean') errs.push(fieldErr.typeInvalid(`${path}.x-kubernetes-${k}`, ext(k), 'must be a boolean'));
  }
  if (ext('preserve-unknown-fields') === false) errs.push(fieldErr.invalid(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));
  if (intOrString && preserve) errs.push(fieldErr.invalid(`${path}.x-kubernetes-preserve-unknown-fields`, true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) errs.push(fieldErr.invalid(`${path}.x-kubernetes-embedded-resource`, true, 'must be false if x-kubernetes-int-or-string is true'));

  let type: NodeType | undefined;
  if (p.type !== undefined && p.type !== '') {
    if (p.type === 'null') errs.push(fieldErr.forbidden(`${path}.type`, 'type cannot be set to null, use nullable as an alternative'));
    else if (typeof p.type !== 'string' || !TYPES.includes(p.type as NodeType)) errs.push(fieldErr.notSupported(`${path}.type`, p.type, TYPES));
    else type = p.type as NodeType;
  }
  if (embedded && type !== 'object') {
    if (!type) errs.push(fieldErr.required(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(fieldErr.invalid(`${path}.type`, type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!type && !intOrString && !preserve) {
    const where = w.level === 'root' ? 'at the root' : w.level === 'item' ? 'for specified array items' : 'for specified object fields';
    errs.push(fieldErr.required(`${path}.type`, `must not be empty ${where}`));
  }
  if (w.level === 'root' && type && type !== 'object') errs.push(fieldErr.invalid(`${path}.type`, type, 'must be object at the root'));
  if (p.nullable !== undefined && typeof p.nullable !== 'boolean') errs.push(fieldErr.typeInvalid(`${path}.nullable`, p.nullable, 'must be a boolean'));

  node.type = intOrString ? undefined : type;
  if (p.nullable === true) node.nullable = true;
  if (intOrString) node.intOrString = true;
  if (preserve) node.preserveUnknownFields = true;
  if (embedded) node.embeddedResource = true;
  valueKeywords(p, path, ctx, node);

  // Structure: properties, additionalProperties, items.
  const hasProps = isObj(p.properties) && Object.keys(p.properties).length > 0;
  if (p.properties !== undefined && !isObj(p.properties)) errs.push(fieldErr.typeInvalid(`${path}.properties`, p.properties, 'must be an object'));
  const ap = p.additionalProperties;
  if (ap !== undefined) {
    if (typeof ap !== 'boolean' && !isObj(ap)) errs.push(fieldErr.typeInvalid(`${path}.additionalProperties`, ap, 'must be a boolean or a schema'));
    if (hasProps && (ap === false || isObj(ap))) errs.push(fieldErr.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
    if (w.level === 'root') errs.push(fieldErr.forbidden(`${path}.additionalProperties`, 'must not be used at the root'));
    if (embedded) errs.push(fieldErr.forbidden(`${path}.additionalProperties`, 'must not be used if x-kubernetes-embedded-resource is set'));
  }
  const checkMeta = w.level === 'root' || embedded;
  // A Map: property names are untrusted ("__proto__" must stay a name).
  const properties = new Map<string, Compiled>();
  if (isObj(p.properties)) {
    const uncorrelatable = p['x-kubernetes-map-type'] === 'atomic' ? (w.uncorrelatable ?? path) : w.uncorrelatable;
    for (const [k, v] of Object.entries(p.properties)) {
      const kp = `${path}.properties[${k}]`;
      if (checkMeta && (k === 'kind' || k === 'apiVersion') && isObj(v) && v.type !== 'string') errs.push(fieldErr.invalid(`${kp}.type`, v.type ?? '', 'must be string'));
      if (k === 'metadata' && checkMeta) {
        const meta = checkMetadata(v, kp, w.level === 'root', ctx);
        if (meta) properties.set(k, { node: meta, schema: objectMeta });
        if (w.level === 'root' && isObj(v) && v.default !== undefined) errs.push(fieldErr.forbidden(`${kp}.default`, 'must not be set in top-level metadata'));
        continue;
      }
      properties.set(k, compileNode(v, kp, { level: 'field', depth: w.depth + 1, uncorrelatable, noDefaults: w.level === 'root' && (k === 'kind' || k === 'apiVersion') ? `in top-level ${k}` : undefined }, ctx));
    }
  }
  if (embedded && !preserve && !hasProps) errs.push(fieldErr.required(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  let additional: Compiled | undefined;
  if (isObj(ap) && w.level !== 'root') additional = compileNode(ap, `${path}.additionalProperties`, { level: 'field', depth: w.depth + 1, uncorrelatable: w.uncorrelatable }, ctx);
  let items: Compiled | undefined;
  const listType = ext('list-type');
  if (type === 'array' && p.items === undefined) errs.push(fieldErr.required(`${path}.items`, 'must be specified'));
  if (isObj(p.items)) items = compileNode(p.items, `${path}.items`, { level: 'item', depth: w.depth + 1, uncorrelatable: listType === 'map' ? w.uncorrelatable : (w.uncorrelatable ?? path) }, ctx);

  // x-kubernetes-map-type / list-type / list-map-keys.
  const mapType = ext('map-type');
  if (mapType !== undefined) {
    if (type !== 'object') {
      if (!type) errs.push(fieldErr.required(`${path}.type`, 'must be object if x-kubernetes-map-type is specified'));
      else errs.push(fieldErr.invalid(`${path}.type`, type, 'must be object if x-kubernetes-map-type is specified'));
    }
    if (mapType !== 'atomic' && mapType !== 'granular') errs.push(fieldErr.notSupported(`${path}.x-kubernetes-map-type`, mapType, ['atomic', 'granular']));
    else node.mapType = mapType;
  }
  const keys = ext('list-map-keys');
  if (listType !== undefined) {
    if (type !== 'array') {
      if (!type) errs.push(fieldErr.required(`${path}.type`, 'must be array if x-kubernetes-list-type is specified'));
      else errs.push(fieldErr.invalid(`${path}.type`, type, 'must be array if x-kubernetes-list-type is specified'));
    }
    if (listType !== 'atomic' && listType !== 'set' && listType !== 'map') errs.push(fieldErr.notSupported(`${path}.x-kubernetes-list-type`, listType, ['atomic', 'set', 'map']));
    else node.listType = listType;
  }
  if (keys !== undefined && !(Array.isArray(keys) && keys.every((k) => typeof k === 'string'))) errs.push(fieldErr.typeInvalid(`${path}.x-kubernetes-list-map-keys`, keys, 'must be a list of strings'));
  const keyList = Array.isArray(keys) ? (keys.filter((k) => typeof k === 'string') as string[]) : [];
  if (keyList.length > 0) {
    if (listType === undefined) errs.push(fieldErr.required(`${path}.x-kubernetes-list-type`, 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (listType !== 'map') errs.push(fieldErr.invalid(`${path}.x-kubernetes-list-type`, listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  const rawItems = isObj(p.items) ? p.items : undefined;
  if (listType === 'map') {
    if (keyList.length === 0) errs.push(fieldErr.required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
    if (!rawItems) errs.push(fieldErr.required(`${path}.items`, 'must have a schema if x-kubernetes-list-type is map'));
    else if (rawItems.type !== 'object') errs.push(fieldErr.invalid(`${path}.items.type`, rawItems.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
    else {
      const itemProps = isObj(rawItems.properties) ? rawItems.properties : {};
      const req = Array.isArray(rawItems.required) ? rawItems.required : [];
      const seen = new Set<string>();
      for (const k of keyList) {
        const kp = itemProps[k];
        if (!isObj(kp)) errs.push(fieldErr.invalid(`${path}.x-kubernetes-list-map-keys`, keyList, 'entries must all be names of item properties'));
        else {
          if (kp.type === 'array' || kp.type === 'object') errs.push(fieldErr.invalid(`${path}.items.properties[${k}].type`, rawItems.type, "must be a scalar type if parent array's x-kubernetes-list-type is map"));
          if (!req.includes(k) && kp.default === undefined) errs.push(fieldErr.required(`${path}.items.properties[${k}].default`, 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
          if (kp.nullable === true) errs.push(fieldErr.forbidden(`${path}.items.properties[${k}].nullable`, 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
        }
        if (seen.has(k)) errs.push(fieldErr.invalid(`${path}.x-kubernetes-list-map-keys`, keyList, 'must not contain duplicate entries'));
        seen.add(k);
      }
      node.listMapKeys = keyList;
    }
  }
  if ((listType === 'set' || listType === 'map') && rawItems?.nullable === true) errs.push(fieldErr.forbidden(`${path}.items.nullable`, `cannot be nullable when x-kubernetes-list-type is ${listType}`));
  if (listType === 'set' && rawItems) {
    if (rawItems.type === 'array' && rawItems['x-kubernetes-list-type'] !== undefined && rawItems['x-kubernetes-list-type'] !== 'atomic') errs.push(fieldErr.invalid(`${path}.items.x-kubernetes-list-type`, rawItems['x-kubernetes-list-type'], 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    if (rawItems.type === 'object' && rawItems['x-kubernetes-map-type'] !== 'atomic') errs.push(fieldErr.invalid(`${path}.items.x-kubernetes-map-type`, rawItems['x-kubernetes-map-type'] ?? null, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
  }

  // Value validations under logical junctors; the int-or-string anyOf patterns are allowed.
  const skipAnyOf = intOrString && INT_OR_STRING_ANY_OF(p.anyOf);
  const skipFirstAllOfAnyOf = intOrString && Array.isArray(p.allOf) && isObj(p.allOf[0]) && INT_OR_STRING_ANY_OF(p.allOf[0].anyOf);
  junctors(p, path, w.depth, ctx, node, skipAnyOf, skipFirstAllOfAnyOf);

  if (properties.size) node.properties = Object.fromEntries([...properties].map(([k, c]) => [k, c.node]));
  if (additional) node.additionalProperties = additional.node;
  else if (ap === false) node.additionalProperties = false;
  if (items) node.items = items.node;
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const)
    node[k]?.forEach((v, i) => {
      completeness(v, node, path, `${path}.${k}[${i}]`, errs);
    });
  if (node.not) completeness(node.not, node, path, `${path}.not`, errs);

  if (p['x-kubernetes-validations'] !== undefined) {
    const rules = compileRules(p['x-kubernetes-validations'], path, w.uncorrelatable, errs);
    ctx.rules += rules.length;
    if (ctx.rules > MAX_RULES) errs.push(fieldErr.forbidden(`${path}.x-kubernetes-validations`, `a schema may not have more than ${MAX_RULES} validation rules`));
    if (rules.length) node.rules = rules;
  }

  const below = [...Object.values(node.properties ?? {}), node.items, node.additionalProperties || undefined];
  if (node.rules?.some((r) => r.usesOldSelf) || below.some((c) => c?.transitions)) node.transitions = true;
  const schema = toSchema(p, node, type, properties, additional, items);
  if (p.default !== undefined) {
    if (w.noDefaults) errs.push(fieldErr.forbidden(`${path}.default`, `must not be set ${w.noDefaults}`));
    else ctx.defaults.push({ node, schema, value: p.default, path: `${path}.default` });
  }
  return { node, schema };
}

/** The ObjectSchema view: what OpenAPI, explain, pruning, defaulting and apply read. */
function toSchema(p: Props, n: Node, type: NodeType | undefined, properties: Map<string, Compiled>, additional: Compiled | undefined, items: Compiled | undefined): Schema {
  const base: Record<string, unknown> = {};
  if (typeof p.description === 'string') base.description = p.description;
  if (p.default !== undefined) base.default = p.default;
  if (n.nullable) base.nullable = true;
  const vv: Record<string, unknown> = {};
  for (const k of ['allOf', 'anyOf', 'oneOf', 'not', 'x-kubernetes-validations', 'x-kubernetes-embedded-resource']) if (p[k] !== undefined) vv[k] = p[k];
  if (n.enum && type !== 'string') vv.enum = n.enum;
  if (Object.keys(vv).length) base.valueValidations = vv;
  if (n.intOrString) return { type: 'int-or-string', ...base };
  switch (type) {
    case 'string': {
      const s: StringSchema = { type: 'string', ...base };
      if (n.enum?.every((e) => typeof e === 'string')) s.enum = n.enum as string[];
      if (n.format) s.format = n.format as StringSchema['format'];
      if (n.pattern) s.pattern = n.pattern.source;
      if (n.minLength !== undefined) s.minLength = n.minLength;
      if (n.maxLength !== undefined) s.maxLength = n.maxLength;
      return s;
    }
    case 'integer':
    case 'number': {
      const bounds = Object.fromEntries((['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'] as const).filter((k) => n[k] !== undefined).map((k) => [k, n[k]]));
      if (type === 'integer') return { type: 'integer', ...base, ...(p.format === 'int32' || p.format === 'int64' ? { format: p.format } : {}), ...bounds };
      return { type: 'number', ...base, format: p.format === 'float' ? 'float' : 'double', ...bounds };
    }
    case 'boolean':
      return { type: 'boolean', ...base };
    case 'array': {
      const a: ArraySchema = { type: 'array', ...base, items: items?.schema ?? { type: 'any' }, listType: n.listType ?? 'atomic' };
      if (n.listMapKeys) a.listMapKeys = n.listMapKeys;
      if (n.minItems !== undefined) a.minItems = n.minItems;
      if (n.maxItems !== undefined) a.maxItems = n.maxItems;
      return a;
    }
    case 'object': {
      const counts = Object.fromEntries((['minProperties', 'maxProperties'] as const).filter((k) => n[k] !== undefined).map((k) => [k, n[k]]));
      if (additional) return { type: 'map', ...base, values: additional.schema, ...counts, ...(n.mapType === 'atomic' ? { mapType: 'atomic' as const } : {}) };
      const o: ObjectSchema = { type: 'object', ...base, properties: Object.fromEntries([...properties].map(([k, c]) => [k, c.schema])), ...counts };
      if (n.required) o.required = n.required;
      if (n.mapType === 'atomic') o.mapType = 'atomic';
      if (n.preserveUnknownFields || p.additionalProperties === true) o.preserveUnknownFields = true;
      if (n.embeddedResource) {
        // An embedded object keeps its type meta and metadata through pruning.
        o.properties.apiVersion ??= { type: 'string' };
        o.properties.kind ??= { type: 'string' };
        o.properties.metadata ??= objectMeta;
      }
      return o;
    }
    default:
      return { type: 'any', ...base };
  }
}

/** Defaults must be pruned already and valid against their own schema (Kubernetes checks both at CRD create). */
function checkDefaults(ctx: Ctx) {
  for (const d of ctx.defaults) {
    if (d.value === null && d.node.nullable) continue;
    const pruned = structuredClone(d.value);
    const holder = { v: pruned };
    pruneUnknownFields({ type: 'object', properties: { v: d.schema } }, holder, true);
    if (!deepEqual(holder.v, d.value)) {
      ctx.errors.push(fieldErr.invalid(d.path, d.value, 'must not have unknown fields'));
      continue;
    }
    // Nested defaults apply inside the default too, as they would on an object.
    applySchemaDefaults({ type: 'object', properties: { v: d.schema } }, holder);
    const vc: ValueContext = { errors: ctx.errors, budget: { remaining: RULE_BUDGET, exhausted: false, cel: new CostBudget() }, steps: STEP_BUDGET, regex: REGEX_BUDGET };
    validateValue(d.node, holder.v, d.path, vc);
  }
}

export const compileCrdSchema: CompileCrdSchema = (openAPIV3Schema, fieldPath) => {
  try {
    return compile(openAPIV3Schema, fieldPath);
  } catch (e) {
    // A bug, not a client error: still never an exception out of the API server.
    return { errors: [fieldErr.invalid(fieldPath, '', `error building validator: ${(e as Error).message}`)] };
  }
};

function compile(openAPIV3Schema: unknown, fieldPath: string): { errors: FieldError[] } | CompiledCrdSchema {
  const ctx: Ctx = { errors: [], nodes: 0, rules: 0, defaults: [], patterns: new Map(), patternMs: 0 };
  const { node: root, schema: rootSchema } = compileNode(openAPIV3Schema, fieldPath, { level: 'root', depth: 0 }, ctx);
  if (ctx.errors.length === 0) checkDefaults(ctx);
  if (ctx.errors.length) return { errors: dedupe(ctx.errors) };
  const fields = rootSchema.type === 'object' ? { ...rootSchema.properties } : {};
  delete fields.apiVersion;
  delete fields.kind;
  delete fields.metadata;
  const required = root.required?.filter((r) => r !== 'metadata' && r !== 'apiVersion' && r !== 'kind');
  const schema = kindSchema('', rootSchema.description ?? '', fields, required?.length ? { required } : {});
  delete schema.name;
  schema.valuesValidatedByKind = true;
  if (rootSchema.type === 'object') {
    if (rootSchema.preserveUnknownFields) schema.preserveUnknownFields = true;
    if (rootSchema.valueValidations) schema.valueValidations = rootSchema.valueValidations;
    for (const k of ['minProperties', 'maxProperties'] as const) if (rootSchema[k] !== undefined) schema[k] = rootSchema[k];
  }
  // apiVersion, kind and metadata are the server's (validated by ObjectMeta rules): only the
  // name/generateName restrictions a CRD may declare are checked here.
  const metaNode = root.properties?.metadata;
  const checked: Node = { ...root, properties: { ...root.properties }, required };
  delete checked.properties!.apiVersion;
  delete checked.properties!.kind;
  if (metaNode) checked.properties!.metadata = metaNode;
  else delete checked.properties!.metadata;
  return {
    schema,
    validate(obj: KObject, old?: KObject): FieldError[] {
      const vc: ValueContext = { errors: [], budget: { remaining: RULE_BUDGET, exhausted: false, cel: new CostBudget() }, steps: STEP_BUDGET, regex: REGEX_BUDGET };
      try {
        validateValue(checked, obj, '', vc, old, old !== undefined);
      } catch (e) {
        vc.errors.push(fieldErr.invalid('', '', `internal error validating the object: ${(e as Error).message}`));
      }
      return vc.errors;
    },
  };
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const k = `${e.field}\u0000${e.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
