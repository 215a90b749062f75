// Defaulting: schema `default`s fill absent fields (inside list items and map values too), then the
// kind's own hook handles defaults that depend on other fields.

import type { KindDef, KObject } from './kind.js';
import { resolve, type Schema } from './schema.js';
import { normalizeQuantities } from './quantity-canonical.js';
import { dropOmittedZeros } from './omit-empty.js';
import { ConcernPlan } from './schema-concern.js';
import { cloneJson } from '../util/clone-json.js';

/** The properties defaulting visits: those with a default, and those leading to one. */
const DEFAULTED = new ConcernPlan({ prop: (_owner, _key, s) => s.default !== undefined });

export function applySchemaDefaults(schema: Schema, v: unknown): void {
  if (v === null || typeof v !== 'object') return;
  if (schema.type === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const { key: k, schema: fs } of DEFAULTED.propsOf(schema)) {
      if ((o[k] === undefined || (o[k] === null && !fs.nullable)) && fs.default !== undefined) o[k] = cloneJson(fs.default);
      if (o[k] !== undefined) applySchemaDefaults(fs, o[k]);
    }
  } else if (schema.type === 'array' && Array.isArray(v)) {
    const item = resolve(schema.items);
    if (DEFAULTED.reaches(item)) for (const x of v) applySchemaDefaults(item, x);
  } else if (schema.type === 'map' && !Array.isArray(v)) {
    const vs = resolve(schema.values);
    if (DEFAULTED.reaches(vs)) for (const x of Object.values(v as Record<string, unknown>)) applySchemaDefaults(vs, x);
  }
}

export function defaultObject(def: KindDef, obj: KObject): void {
  for (const pass of defaultingPasses(def, obj)) pass();
}

/** defaultObject with `turn` (a request's checkpoint) awaited before each of its passes: each walks
 *  the whole object, ~10 ms apiece on a pod of thousands of containers. */
export async function defaultObjectSliced(def: KindDef, obj: KObject, turn: () => Promise<void> | undefined): Promise<void> {
  for (const pass of defaultingPasses(def, obj)) {
    await turn();
    pass();
  }
}

function defaultingPasses(def: KindDef, obj: KObject): (() => void)[] {
  // Go's omitempty zeros first (then defaulted as absent, as in Kubernetes); quantities next, so
  // defaults copied from them (requests from limits) are canonical too.
  return [() => dropOmittedZeros(def.schema, obj), () => normalizeQuantities(def.schema, obj), () => applySchemaDefaults(def.schema, obj), () => def.default?.(obj)];
}
