// Which leaf fields an update changed, added or removed, found by walking the old and new object
// side by side with the schema: equal parts cost a comparison and allocate nothing, and path keys
// are built only for differences. The same paths as fieldset.ts's walk (f:, k:, v:, `.`), so the
// result can be applied to managedFields without rebuilding every manager's field set. Differences
// are paths of segments, not their JSON keys: applying them walks the segments anyway.

import { propertySchema, resolve, type Schema } from '../../api/schema.js';
import { deepEqual } from '../../util/equal.js';
import { itemKey, leavesUnder, SERVER_METADATA, type Path } from './fieldset.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const has = (o: Obj, k: string) => Object.hasOwn(o, k);

export interface FieldDiff {
  /** Leaves new or with a new value (a list item's `.` only when the item is new). */
  changed: Path[];
  /** Leaves the old object had and the new one has not. */
  removed: Path[];
}

/** Whether an object has a key, without listing them all. */
function hasKeys(o: Obj): boolean {
  for (const _ in o) return true;
  return false;
}

type Shape = 'leaf' | 'object' | 'map' | 'listmap' | 'set';

/** How fieldset.ts's walk treats a value: as one leaf, or as a container of fields. */
function shapeOf(s: Schema | undefined, v: unknown): Shape {
  if (v === null || v === undefined) return 'leaf';
  if (s?.type === 'object' && isObj(v) && s.mapType !== 'atomic' && hasKeys(v)) return 'object';
  if (s?.type === 'map' && isObj(v) && s.mapType !== 'atomic' && hasKeys(v)) return 'map';
  if (s?.type === 'array' && Array.isArray(v) && v.length > 0) {
    if (s.listType === 'map' && s.listMapKeys?.length) return 'listmap';
    if (s.listType === 'set') return 'set';
  }
  return 'leaf';
}

const fieldSchema = (s: Schema | undefined, k: string): Schema | undefined => {
  if (s?.type === 'object') {
    const fs = propertySchema(s, k);
    return fs ? resolve(fs) : undefined;
  }
  if (s?.type === 'map') return resolve(s.values);
  return undefined;
};

export function diffFields(schema: Schema, old: unknown, updated: unknown, skip: string[]): FieldDiff {
  return diffTop(schema, old, updated, skip);
}

/**
 * diffFields in slices: the items of list-maps (a pod's containers) are compared one by one with
 * `turn` (a request's checkpoint: context.ts, sliceTurn) awaited before each, so comparing two
 * 5,000-container pods is not one long pass. The differences are the same (in another order).
 */
export async function diffFieldsSliced(schema: Schema, old: unknown, updated: unknown, skip: string[], turn: () => Promise<void> | undefined): Promise<FieldDiff> {
  const later: (() => void)[] = [];
  const out = diffTop(schema, old, updated, skip, later);
  for (const compare of later) {
    const t = turn();
    if (t) await t;
    compare();
  }
  return out;
}

/** later: where comparisons of existing list-map items go instead of being made now (diffFieldsSliced). */
function diffTop(schema: Schema, old: unknown, updated: unknown, skip: string[], later?: (() => void)[]): FieldDiff {
  const out: FieldDiff = { changed: [], removed: [] };
  const o = isObj(old) ? old : {};
  const n = isObj(updated) ? updated : {};
  const top = (k: string) => k !== 'apiVersion' && k !== 'kind' && !skip.includes(k);
  const path: Path = [];
  for (const k of new Set([...Object.keys(o), ...Object.keys(n)])) {
    if (!top(k)) continue;
    const fs = fieldSchema(schema, k);
    if (k === 'metadata' && (isObj(o[k]) || isObj(n[k]))) {
      const om = isObj(o[k]) ? (o[k] as Obj) : {};
      const nm = isObj(n[k]) ? (n[k] as Obj) : {};
      for (const mk of new Set([...Object.keys(om), ...Object.keys(nm)])) {
        if (SERVER_METADATA.has(mk)) continue;
        path.push('f:metadata', `f:${mk}`);
        diffNode(fieldSchema(fs, mk), om[mk], nm[mk], path, out, later);
        path.length = 0;
      }
      continue;
    }
    path.push(`f:${k}`);
    diffNode(fs, o[k], n[k], path, out, later);
    path.length = 0;
  }
  return out;
}

function diffNode(s: Schema | undefined, o: unknown, n: unknown, path: Path, out: FieldDiff, later?: (() => void)[]): void {
  // A top-level or metadata field set to undefined is absent, as in fieldset.ts's walk.
  if (o === undefined && n === undefined) return;
  if (o === undefined) {
    leavesUnder(s, n, path, out.changed);
    return;
  }
  if (n === undefined) {
    leavesUnder(s, o, path, out.removed);
    return;
  }
  if (o === n) return;
  const shape = shapeOf(s, o);
  if (shape !== shapeOf(s, n)) {
    // Different shapes have disjoint leaves: all of the old go, all of the new come.
    leavesUnder(s, o, path, out.removed);
    leavesUnder(s, n, path, out.changed);
    return;
  }
  switch (shape) {
    case 'leaf':
      if (!deepEqual(o, n)) out.changed.push([...path]);
      return;
    case 'object':
    case 'map': {
      const oo = o as Obj;
      const no = n as Obj;
      for (const k of Object.keys(no)) {
        path.push(`f:${k}`);
        const fs = fieldSchema(s, k);
        if (has(oo, k)) diffNode(fs, oo[k], no[k], path, out, later);
        else leavesUnder(fs, no[k], path, out.changed);
        path.pop();
      }
      for (const k of Object.keys(oo)) {
        if (has(no, k)) continue;
        path.push(`f:${k}`);
        leavesUnder(fieldSchema(s, k), oo[k], path, out.removed);
        path.pop();
      }
      return;
    }
    case 'listmap': {
      const arr = s as Extract<Schema, { type: 'array' }>;
      const item = resolve(arr.items);
      const keys = arr.listMapKeys!;
      const olds = new Map<string, Obj>();
      for (const x of o as unknown[])
        if (isObj(x)) {
          const k = itemKey(x, keys, item);
          if (!olds.has(k)) olds.set(k, x);
        }
      const seen = new Set<string>();
      for (const x of n as unknown[]) {
        if (!isObj(x)) continue;
        const k = itemKey(x, keys, item);
        if (seen.has(k)) continue; // a duplicate key names the same paths (and validation refuses it)
        seen.add(k);
        path.push(k);
        const prev = olds.get(k);
        if (prev === undefined) {
          out.changed.push([...path, '.']);
          for (const [f, y] of Object.entries(x)) {
            path.push(`f:${f}`);
            leavesUnder(fieldSchema(item, f), y, path, out.changed);
            path.pop();
          }
        } else if (later) {
          const at = [...path];
          later.push(() => diffNode(item, prev, x, at, out));
        } else {
          diffNode(item, prev, x, path, out);
        }
        path.pop();
      }
      for (const [k, x] of olds) {
        if (seen.has(k)) continue;
        path.push(k);
        out.removed.push([...path, '.']);
        for (const [f, y] of Object.entries(x)) {
          path.push(`f:${f}`);
          leavesUnder(fieldSchema(item, f), y, path, out.removed);
          path.pop();
        }
        path.pop();
      }
      return;
    }
    case 'set': {
      const members = (v: unknown) => new Set((v as unknown[]).map((x) => `v:${JSON.stringify(x)}`));
      const om = members(o);
      const nm = members(n);
      for (const m of nm) if (!om.has(m)) out.changed.push([...path, m]);
      for (const m of om) if (!nm.has(m)) out.removed.push([...path, m]);
      return;
    }
  }
}
