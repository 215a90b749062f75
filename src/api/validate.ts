// Structural validation of an object against its kind's schema: types, formats, enums, required
// fields, list-map key uniqueness, and the unknown fields strict decoding reports (or prunes).

import { fieldErr } from './errors.js';
import type { FieldError } from './kind.js';
import { quantityProblem } from './quantity.js';
import { propertySchema, resolve, type ObjectSchema, type Schema } from './schema.js';
import { type Defer, deferInParts, walkInSlices } from '../util/event-loop-slice.js';

export interface SchemaValidation {
  errors: FieldError[];
  /** Paths like spec.template.spec.containers[0].imagePolicy, as strict decoding names them. */
  unknownFields: string[];
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** Schema patterns compiled once (a pattern is checked on every value of its field, on every write). */
const patterns = new Map<string, RegExp>();
const patternOf = (p: string) => {
  let r = patterns.get(p);
  if (!r) patterns.set(p, (r = new RegExp(p)));
  return r;
};

/**
 * What a walk found. A long list's items can be left for later (`defer`): the list's place in
 * `errors` and `unknownFields` then holds an array the deferred walk fills, so the flattened result
 * is in the order one walk would have found it.
 */
type Nested<T> = (T | Nested<T>)[];
interface Found {
  errors: Nested<FieldError>;
  unknownFields: Nested<string>;
  defer?: Defer;
}

/** Items of a list walked in one go when walking in slices (a pod's containers are ~10 µs each). */
const DEFERRED_ITEMS = 256;

function flatten<T>(list: Nested<T>, into: T[] = []): T[] {
  for (const x of list) {
    if (Array.isArray(x)) flatten(x, into);
    else into.push(x);
  }
  return into;
}

function result(schema: ObjectSchema, found: Found): SchemaValidation {
  // CustomResourceDefinitions check values themselves, with kube-openapi's messages (crd/values.ts).
  const errors = schema.valuesValidatedByKind ? [] : flatten(found.errors);
  return { errors, unknownFields: flatten(found.unknownFields) };
}

export function validateAgainstSchema(schema: ObjectSchema, obj: unknown, opts: { unknownFields: 'Strict' | 'Warn' | 'Ignore' }): SchemaValidation {
  const found: Found = { errors: [], unknownFields: [] };
  walk(schema, obj, '', found, opts.unknownFields !== 'Ignore');
  return result(schema, found);
}

/**
 * The same validation, in slices: long lists are walked DEFERRED_ITEMS items at a time with `turn`
 * (the request's checkpoint, apiserver/context.ts) awaited between, so a pod of thousands of
 * containers is not one long block of the event loop. Same errors, same order.
 */
export async function validateAgainstSchemaSliced(schema: ObjectSchema, obj: unknown, opts: { unknownFields: 'Strict' | 'Warn' | 'Ignore' }, turn: () => Promise<void> | undefined): Promise<SchemaValidation> {
  const found: Found = { errors: [], unknownFields: [] };
  await walkInSlices((defer) => walk(schema, obj, '', { ...found, defer }, opts.unknownFields !== 'Ignore'), turn);
  return result(schema, found);
}

function walk(s: Schema, v: unknown, path: string, out: Found, collectUnknown: boolean) {
  // null is "absent" in Kubernetes' JSON decoding.
  if (v === null || v === undefined) return;
  const typeErr = (want: string) => out.errors.push(fieldErr.typeInvalid(path, v, `must be of type ${want}, not ${kindOf(v)}`));
  switch (s.type) {
    case 'string':
      if (typeof v !== 'string') return typeErr('string');
      if (s.enum && !s.enum.includes(v)) out.errors.push(fieldErr.notSupported(path, v, s.enum));
      if (s.format === 'quantity') {
        const problem = quantityProblem(v);
        if (problem) out.errors.push(fieldErr.invalid(path, v, problem));
      }
      if (s.format === 'date-time' && !DATE_TIME.test(v)) out.errors.push(fieldErr.invalid(path, v, 'must be an RFC3339 date-time such as 2006-01-02T15:04:05Z'));
      if (s.format === 'byte' && (v.length % 4 !== 0 || !BASE64.test(v))) out.errors.push(fieldErr.invalid(path, '<value omitted>', 'must be base64-encoded'));
      if (s.maxLength !== undefined && v.length > s.maxLength) out.errors.push(fieldErr.tooLong(path, s.maxLength));
      if (s.minLength !== undefined && v.length < s.minLength) out.errors.push(fieldErr.invalid(path, v, `must be at least ${s.minLength} characters long`));
      if (s.pattern && !patternOf(s.pattern).test(v)) out.errors.push(fieldErr.invalid(path, v, `must match the regular expression '${s.pattern}'`));
      return;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) return typeErr('integer');
      if (s.format === 'int32' && (v > 2147483647 || v < -2147483648)) out.errors.push(fieldErr.invalid(path, v, 'must fit in a 32-bit integer'));
      checkBounds(s, v, path, out);
      return;
    case 'number':
      if (typeof v !== 'number') return typeErr('number');
      checkBounds(s, v, path, out);
      return;
    case 'boolean':
      if (typeof v !== 'boolean') return typeErr('boolean');
      return;
    case 'int-or-string':
      if (!(typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) return typeErr('integer or string');
      return;
    case 'any':
      return;
    case 'map': {
      if (typeof v !== 'object' || Array.isArray(v)) return typeErr('object');
      const vs = resolve(s.values);
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(vs, x, `${path}[${k}]`, out, collectUnknown);
      checkPropertyCount(s, Object.keys(v).length, path, out);
      return;
    }
    case 'array': {
      if (!Array.isArray(v)) return typeErr('array');
      const item = resolve(s.items);
      if (out.defer && v.length > DEFERRED_ITEMS) {
        const defer = out.defer;
        deferInParts(defer, v.length, DEFERRED_ITEMS, (from, to) => {
          const part: Found = { errors: [], unknownFields: [], defer };
          out.errors.push(part.errors);
          out.unknownFields.push(part.unknownFields);
          return () => {
            for (let i = from; i < to; i++) walk(item, v[i], `${path}[${i}]`, part, collectUnknown);
          };
        });
      } else for (const [i, x] of v.entries()) walk(item, x, `${path}[${i}]`, out, collectUnknown);
      if (s.maxItems !== undefined && v.length > s.maxItems) out.errors.push({ field: path, reason: 'FieldValueTooMany', message: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
      if (s.minItems !== undefined && v.length < s.minItems) out.errors.push(fieldErr.invalid(path, v.length, `must have at least ${s.minItems} items`));
      if (s.listType === 'map' && s.listMapKeys?.length && s.duplicateKeys !== 'allowed') {
        const seen = new Set<string>();
        v.forEach((x, i) => {
          if (!x || typeof x !== 'object') return;
          const k = JSON.stringify(s.listMapKeys!.map((mk) => (x as Record<string, unknown>)[mk] ?? null));
          if (seen.has(k)) out.errors.push(fieldErr.duplicate(`${path}[${i}]`, s.listMapKeys!.length === 1 ? (x as Record<string, unknown>)[s.listMapKeys![0]] : x));
          seen.add(k);
        });
      } else if (s.listType === 'set') {
        const seen = new Set<string>();
        v.forEach((x, i) => {
          const k = JSON.stringify(x);
          if (seen.has(k)) out.errors.push(fieldErr.duplicate(`${path}[${i}]`, x));
          seen.add(k);
        });
      }
      return;
    }
    case 'object': {
      if (typeof v !== 'object' || Array.isArray(v)) return typeErr('object');
      const o = v as Record<string, unknown>;
      for (const [k, x] of Object.entries(o)) {
        const fs = propertySchema(s, k);
        if (fs === undefined) {
          if (!s.preserveUnknownFields && collectUnknown) out.unknownFields.push(join(path, k));
          continue;
        }
        walk(resolve(fs), x, join(path, k), out, collectUnknown);
      }
      for (const r of s.required ?? []) if (o[r] === undefined || o[r] === null) out.errors.push(fieldErr.required(join(path, r)));
      checkPropertyCount(s, Object.keys(o).length, path, out);
      return;
    }
  }
}

function checkBounds(s: { minimum?: number; maximum?: number; exclusiveMinimum?: boolean; exclusiveMaximum?: boolean; multipleOf?: number }, v: number, path: string, out: Found) {
  if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) out.errors.push(fieldErr.invalid(path, v, `must be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`));
  if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) out.errors.push(fieldErr.invalid(path, v, `must be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`));
  if (s.multipleOf !== undefined && s.multipleOf > 0 && !Number.isInteger(v / s.multipleOf)) out.errors.push(fieldErr.invalid(path, v, `must be a multiple of ${s.multipleOf}`));
}

function checkPropertyCount(s: { minProperties?: number; maxProperties?: number }, n: number, path: string, out: Found) {
  if (s.maxProperties !== undefined && n > s.maxProperties) out.errors.push({ field: path, reason: 'FieldValueTooMany', message: `Too many: ${n}: must have at most ${s.maxProperties} items` });
  if (s.minProperties !== undefined && n < s.minProperties) out.errors.push(fieldErr.invalid(path, n, `must have at least ${s.minProperties} properties`));
}

/**
 * Drops fields the schema does not know (Kubernetes' decoder ignores them for built-in kinds). For
 * custom resources (a root with valuesValidatedByKind) nulls of non-nullable fields go too, as
 * Kubernetes' structural pruning does; built-in kinds keep them as stored today (a template's
 * `creationTimestamp: null` reads back as Kubernetes shows it).
 */
export function pruneUnknownFields(schema: Schema, v: unknown, dropNulls = dropsNulls(schema)): void {
  prune(schema, v, dropNulls);
}

/** The same pruning in slices, long lists DEFERRED_ITEMS items at a time (see validateAgainstSchemaSliced). */
export async function pruneUnknownFieldsSliced(schema: Schema, v: unknown, turn: () => Promise<void> | undefined): Promise<void> {
  await walkInSlices((defer) => prune(schema, v, dropsNulls(schema), defer), turn);
}

const dropsNulls = (schema: Schema) => schema.type === 'object' && schema.valuesValidatedByKind === true;

function prune(schema: Schema, v: unknown, dropNulls: boolean, defer?: Defer): void {
  if (v === null || typeof v !== 'object') return;
  if (schema.type === 'object') {
    if (Array.isArray(v)) return;
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const fs = propertySchema(schema, k);
      if (fs === undefined) {
        if (!schema.preserveUnknownFields) delete o[k];
      } else if (dropNulls && o[k] === null && !resolve(fs).nullable) delete o[k];
      else prune(resolve(fs), o[k], dropNulls, defer);
    }
  } else if (schema.type === 'array' && Array.isArray(v)) {
    const item = resolve(schema.items);
    if (defer && v.length > DEFERRED_ITEMS) {
      deferInParts(defer, v.length, DEFERRED_ITEMS, (from, to) => () => {
        for (let i = from; i < to; i++) prune(item, v[i], dropNulls, defer);
      });
    } else for (const x of v) prune(item, x, dropNulls, defer);
  } else if (schema.type === 'map' && !Array.isArray(v)) {
    const vs = resolve(schema.values);
    for (const x of Object.values(v as Record<string, unknown>)) prune(vs, x, dropNulls, defer);
  }
}
