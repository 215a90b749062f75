// Strategic merge patch, driven by the kind's schema: lists with a merge strategy merge by their
// key (containers by name, ports by containerPort), sets merge by value, everything else replaces;
// with the directives kubectl sends: $patch (replace/delete/merge), $retainKeys,
// $setElementOrder/<list> and $deleteFromPrimitiveList/<list>. Fields the schema does not describe
// fall back to JSON merge patch semantics.
// Linear in the sizes of object and patch: list items are found through maps keyed by merge key,
// set members and deletions through Sets of their JSON, never by scanning a list per item.

import { badRequest } from '../../api/errors.js';
import { propertySchema, resolve, type ArraySchema, type Schema } from '../../api/schema.js';
import { applyMergePatch } from './merge-patch.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

export function applyStrategicMergePatch(doc: unknown, patch: unknown, schema: Schema): unknown {
  if (!isObj(patch)) throw badRequest('a strategic merge patch must be a JSON object');
  return mergeObject(isObj(doc) ? doc : {}, patch, schema);
}

function fieldSchema(schema: Schema | undefined, key: string): Schema | undefined {
  if (!schema) return undefined;
  if (schema.type === 'object') {
    const f = propertySchema(schema, key);
    return f === undefined ? undefined : resolve(f);
  }
  if (schema.type === 'map') return resolve(schema.values);
  return undefined;
}

function mergeObject(orig: Obj, patch: Obj, schema: Schema | undefined): Obj | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return stripDirectives(rest);
  }
  if (directive !== undefined && directive !== 'merge') throw badRequest(`unknown patch directive $patch: ${JSON.stringify(directive)}: use replace, delete or merge`);
  if (schema && schema.type !== 'object' && schema.type !== 'map' && schema.type !== 'any') schema = undefined;
  if (schema?.type === 'any') return applyMergePatch(orig, stripDirectives(patch)) as Obj;
  const out: Obj = { ...orig };
  const retainKeys = patch.$retainKeys;
  for (const [k, pv] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE)) continue;
    if (pv === null) {
      delete out[k];
      continue;
    }
    const fs = fieldSchema(schema, k);
    out[k] = mergeValue(out[k], pv, fs);
    if (out[k] === undefined) delete out[k];
  }
  // Primitive list deletions and element order apply after the merge.
  for (const [k, pv] of Object.entries(patch)) {
    if (k.startsWith(DELETE_PRIMITIVE)) {
      const field = k.slice(DELETE_PRIMITIVE.length);
      if (!Array.isArray(pv)) throw badRequest(`${k} must be a list`);
      const doomed = new Set(pv.map(valueKey));
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((x) => !doomed.has(valueKey(x)));
    }
  }
  for (const [k, pv] of Object.entries(patch)) {
    if (k.startsWith(SET_ORDER)) {
      const field = k.slice(SET_ORDER.length);
      if (!Array.isArray(pv)) throw badRequest(`${k} must be a list`);
      const fs = fieldSchema(schema, field);
      if (Array.isArray(out[field])) out[field] = reorder(out[field] as unknown[], pv, fs?.type === 'array' ? fs.patchMergeKey : undefined);
    }
  }
  if (retainKeys !== undefined) {
    if (!Array.isArray(retainKeys)) throw badRequest('$retainKeys must be a list of field names');
    const keep = new Set(retainKeys);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}

function mergeValue(orig: unknown, pv: unknown, fs: Schema | undefined): unknown {
  if (fs?.type === 'array' && Array.isArray(pv)) return mergeList(Array.isArray(orig) ? orig : [], pv, fs);
  if (isObj(pv)) {
    if (fs === undefined) return applyMergePatch(isObj(orig) ? orig : {}, stripDirectives(pv));
    return mergeObject(isObj(orig) ? orig : {}, pv, fs);
  }
  return Array.isArray(pv) ? stripDirectives(pv) : pv;
}

function mergeList(orig: unknown[], patch: unknown[], fs: ArraySchema): unknown[] {
  // A {"$patch": "replace"} element replaces the whole list with the other elements.
  if (patch.some((p) => isObj(p) && p.$patch === 'replace' && Object.keys(p).length === 1)) {
    return patch.filter((p) => !(isObj(p) && p.$patch === 'replace')).map(stripDirectives);
  }
  const strategy = fs.patchStrategy ?? '';
  if (!strategy.includes('merge')) return patch.map(stripDirectives);
  const item = resolve(fs.items);
  const key = fs.patchMergeKey;
  if (!key) {
    // A set of scalars: union, keeping the original order and appending new values.
    const out = [...orig];
    const seen = new Set(orig.map(valueKey));
    for (const p of patch) {
      const k = valueKey(p);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(p);
    }
    return out;
  }
  // Slots instead of splicing: deleted items become holes dropped at the end, so n deletions cost n.
  const out: (unknown | typeof HOLE)[] = [...orig];
  const byKey = new Map<string, number>();
  out.forEach((o, i) => {
    if (!isObj(o)) return;
    const k = valueKey(o[key]);
    if (!byKey.has(k)) byKey.set(k, i); // the first of duplicate keys, as a forward scan would find
  });
  for (const p of patch) {
    if (!isObj(p)) throw badRequest(`list items merged by "${key}" must be objects`);
    if (!(key in p)) throw badRequest(`a list item in a strategic merge patch must set its merge key "${key}"`);
    const k = valueKey(p[key]);
    const at = byKey.get(k);
    if (p.$patch === 'delete') {
      if (at !== undefined) {
        out[at] = HOLE;
        byKey.delete(k);
      }
      continue;
    }
    if (at !== undefined) {
      const merged = mergeObject(out[at] as Obj, p, item);
      if (merged === undefined) {
        out[at] = HOLE;
        byKey.delete(k);
      } else out[at] = merged;
    } else {
      byKey.set(k, out.length);
      out.push(stripDirectives(p));
    }
  }
  return out.filter((x) => x !== HOLE);
}

const HOLE = Symbol('deleted list item');

/** Identity of a merge key value or set member: its JSON (scalars in practice). */
const valueKey = (v: unknown) => JSON.stringify(v) ?? 'undefined';

/** Order merged items as the patch's $setElementOrder says; items it does not name keep their place after. */
function reorder(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const id = (x: unknown) => valueKey(key && isObj(x) ? x[key] : x);
  const pos = new Map(order.map((o, i) => [id(o), i]));
  const ids = list.map(id);
  const named = list
    .map((x, i) => ({ x, p: pos.get(ids[i]) }))
    .filter((e) => e.p !== undefined)
    .sort((a, b) => a.p! - b.p!)
    .map((e) => e.x);
  const rest = list.filter((_, i) => !pos.has(ids[i]));
  return [...named, ...rest];
}

function stripDirectives<T>(v: T): T {
  if (Array.isArray(v)) return v.map(stripDirectives) as T;
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(SET_ORDER) || k.startsWith(DELETE_PRIMITIVE)) continue;
    out[k] = stripDirectives(x);
  }
  return out as T;
}
