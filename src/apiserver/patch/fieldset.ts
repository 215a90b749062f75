// Field sets for server-side apply, in structured-merge-diff's terms: an object's leaf fields as
// paths of segments (`f:spec`, `k:{"name":"web"}` for list-map items, `v:"x"` for set members,
// `.` for a list item itself), converted to and from the FieldsV1 trie stored in managedFields.

import { resolve, type Schema } from '../../api/schema.js';

export type Path = string[];
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Fields of metadata the server owns; never part of anyone's field set. */
const SERVER_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName']);

export const pathKey = (p: Path) => JSON.stringify(p);
export const fromKey = (k: string) => JSON.parse(k) as Path;

/** The key segment of a list-map item: its key fields in schema order. */
export function itemKey(item: Obj, keys: string[], itemSchema?: Schema): string {
  const o: Obj = {};
  for (const k of keys) {
    // A key field left out takes its default (ports without protocol are TCP), as structured-merge-diff does.
    const fs = itemSchema?.type === 'object' && itemSchema.properties[k] ? resolve(itemSchema.properties[k]) : undefined;
    const v = item[k] ?? fs?.default;
    if (v !== undefined) o[k] = v;
  }
  return `k:${JSON.stringify(o)}`;
}

/** Every leaf path set in `value` (for the top-level object: without apiVersion, kind, status if excluded). */
export function fieldPaths(schema: Schema, value: unknown, opts: { skip?: string[] } = {}): Set<string> {
  const out = new Set<string>();
  const top = value as Obj;
  if (!isObj(top)) return out;
  for (const [k, v] of Object.entries(top)) {
    if (v === undefined || k === 'apiVersion' || k === 'kind' || opts.skip?.includes(k)) continue;
    const fs = schema.type === 'object' ? schema.properties[k] : undefined;
    if (k === 'metadata' && isObj(v)) {
      for (const [mk, mv] of Object.entries(v)) {
        if (SERVER_METADATA.has(mk) || mv === undefined) continue;
        const ms = fs ? resolve(fs) : undefined;
        const mfs = ms?.type === 'object' ? ms.properties[mk] : undefined;
        walk(mfs ? resolve(mfs) : undefined, mv, ['f:metadata', `f:${mk}`], out);
      }
      continue;
    }
    walk(fs ? resolve(fs) : undefined, v, [`f:${k}`], out);
  }
  return out;
}

function walk(s: Schema | undefined, v: unknown, path: Path, out: Set<string>) {
  if (v === null || v === undefined) {
    out.add(pathKey(path));
    return;
  }
  if (s?.type === 'object' && isObj(v) && s.mapType !== 'atomic' && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) {
      const fs = s.properties[k];
      walk(fs ? resolve(fs) : undefined, x, [...path, `f:${k}`], out);
    }
    return;
  }
  if (s?.type === 'map' && isObj(v) && Object.keys(v).length > 0) {
    const vs = resolve(s.values);
    for (const [k, x] of Object.entries(v)) walk(vs, x, [...path, `f:${k}`], out);
    return;
  }
  if (s?.type === 'array' && Array.isArray(v) && v.length > 0) {
    if (s.listType === 'map' && s.listMapKeys?.length) {
      const item = resolve(s.items);
      for (const x of v) {
        if (!isObj(x)) continue;
        const seg = itemKey(x, s.listMapKeys, item);
        out.add(pathKey([...path, seg, '.']));
        for (const [k, y] of Object.entries(x)) {
          const fs = item.type === 'object' ? item.properties[k] : undefined;
          walk(fs ? resolve(fs) : undefined, y, [...path, seg, `f:${k}`], out);
        }
      }
      return;
    }
    if (s.listType === 'set') {
      for (const x of v) out.add(pathKey([...path, `v:${JSON.stringify(x)}`]));
      return;
    }
  }
  // Scalars, atomic lists and objects, and anything the schema does not describe: one leaf.
  out.add(pathKey(path));
}

/** FieldsV1 trie from paths: {"f:spec": {"f:replicas": {}}, "f:containers": {"k:{...}": {".": {}, ...}}}. */
export function toFieldsV1(paths: Iterable<string>): Obj {
  const root: Obj = {};
  for (const k of paths) {
    let cur = root;
    for (const seg of fromKey(k)) {
      cur[seg] ??= {};
      cur = cur[seg] as Obj;
    }
  }
  return root;
}

export function fromFieldsV1(trie: unknown): Set<string> {
  const out = new Set<string>();
  const rec = (node: unknown, path: Path) => {
    if (!isObj(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && path.length > 0) out.add(pathKey(path));
    for (const k of keys) {
      if (k === '.') out.add(pathKey([...path, '.']));
      else rec(node[k], [...path, k]);
    }
  };
  rec(trie, []);
  return out;
}

/** The value at a path (undefined when absent). A `.` segment stands for the list item itself. */
export function valueAt(obj: unknown, path: Path): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (seg === '.') return cur;
    if (seg.startsWith('f:')) {
      if (!isObj(cur)) return undefined;
      cur = cur[seg.slice(2)];
    } else if (seg.startsWith('k:')) {
      if (!Array.isArray(cur)) return undefined;
      const want = JSON.parse(seg.slice(2)) as Obj;
      // A key field missing from an item stands for its default (recorded in the key); absent matches.
      cur = cur.find((x) => isObj(x) && Object.entries(want).every(([k, v]) => x[k] === undefined || JSON.stringify(x[k]) === JSON.stringify(v)));
    } else if (seg.startsWith('v:')) {
      if (!Array.isArray(cur)) return undefined;
      const want = seg.slice(2);
      return cur.some((x) => JSON.stringify(x) === want) ? JSON.parse(want) : undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Removes the field at a path: a key, a list-map item (path ending in `.`), or a set member. */
export function removeAt(obj: unknown, path: Path): void {
  if (path.length === 0) return;
  const last = path[path.length - 1];
  if (last === '.') {
    const listPath = path.slice(0, -2);
    const list = valueAt(obj, listPath);
    const item = valueAt(obj, path.slice(0, -1));
    if (Array.isArray(list) && item !== undefined) list.splice(list.indexOf(item), 1);
    return;
  }
  const parent = valueAt(obj, path.slice(0, -1));
  if (last.startsWith('f:') && isObj(parent)) delete parent[last.slice(2)];
  else if (last.startsWith('v:') && Array.isArray(parent)) {
    const i = parent.findIndex((x) => JSON.stringify(x) === last.slice(2));
    if (i >= 0) parent.splice(i, 1);
  }
}

/** `.spec.template.spec.containers[name="web"].image`, as conflicts are reported. */
export function describePath(path: Path): string {
  let s = '';
  for (const seg of path) {
    if (seg === '.') continue;
    if (seg.startsWith('f:')) s += `.${seg.slice(2)}`;
    else if (seg.startsWith('k:')) s += `[${Object.entries(JSON.parse(seg.slice(2)) as Obj).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    else if (seg.startsWith('v:')) s += `[${seg.slice(2)}]`;
  }
  return s;
}
