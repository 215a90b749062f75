// Field sets for server-side apply, in structured-merge-diff's terms: an object's leaf fields as
// paths of segments (`f:spec`, `k:{"name":"web"}` for list-map items, `v:"x"` for set members,
// `.` for a list item itself), converted to and from the FieldsV1 trie stored in managedFields.

import { propertySchema, resolve, type Schema } from '../../api/schema.js';
import { type Defer, deferInParts, walkInSlices } from '../../util/event-loop-slice.js';

export type Path = string[];
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Fields of metadata the server owns; never part of anyone's field set. */
export const SERVER_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'generateName']);

export const pathKey = (p: Path) => JSON.stringify(p);
export const fromKey = (k: string) => JSON.parse(k) as Path;

// Walks build keys incrementally: a prefix is a key without its closing bracket, so a child costs
// one short concatenation instead of re-serializing the whole path at every node.
const ROOT = '[';
const child = (prefix: string, seg: string) => (prefix === ROOT ? `[${JSON.stringify(seg)}` : `${prefix},${JSON.stringify(seg)}`);
const keyOf = (prefix: string) => `${prefix}]`;

/** Whether an object has a key, without listing them all. */
function hasKeys(o: Obj): boolean {
  for (const _ in o) return true;
  return false;
}

/** The key segment of a list-map item: its key fields in schema order. */
export function itemKey(item: Obj, keys: string[], itemSchema?: Schema): string {
  // One key field set (containers by name): the same text as the general case, without an object.
  if (keys.length === 1 && item[keys[0]] !== undefined && item[keys[0]] !== null) return `k:{${JSON.stringify(keys[0])}:${JSON.stringify(item[keys[0]])}}`;
  const o: Obj = {};
  for (const k of keys) {
    // A key field left out takes its default (ports without protocol are TCP), as structured-merge-diff does.
    const ifs = itemSchema?.type === 'object' ? propertySchema(itemSchema, k) : undefined;
    const fs = ifs ? resolve(ifs) : undefined;
    const v = item[k] ?? fs?.default;
    if (v !== undefined) o[k] = v;
  }
  return `k:${JSON.stringify(o)}`;
}

/** Every leaf path set in `value` (for the top-level object: without apiVersion, kind, status if excluded). */
export function fieldPaths(schema: Schema, value: unknown, opts: { skip?: string[]; only?: string[] } = {}): Set<string> {
  return indexFields(schema, value, opts).paths;
}

export interface FieldIndex {
  /** Leaf paths, as fieldPaths returns them. */
  paths: Set<string>;
  /** The value at every leaf path (for a list-map item's `.`, the item): valueAt without a search. */
  at: Map<string, unknown>;
}

/**
 * How a traversal records what it sees: `descend` makes a child position from a parent and a path
 * segment; `leaf` marks a position as a leaf with its value. The index of paths and the FieldsV1
 * trie are the two walkers of one traversal (visitObject / visitField), so they cannot disagree.
 */
interface FieldWalker<P> {
  descend(at: P, seg: string): P;
  leaf(at: P, v: unknown): void;
  /** Leaves a long list-map's items for later, LIST_ITEMS_PER_TASK at a time (a walk in slices:
   *  only for walkers whose result does not depend on the order of visits). */
  defer?: Defer;
}

const LIST_ITEMS_PER_TASK = 256;

/** The fields of a top-level object: apiVersion and kind never, server metadata never, `skip`/`only` by top-level key. */
function visitObject<P>(w: FieldWalker<P>, root: P, schema: Schema, value: unknown, opts: { skip?: string[]; only?: string[] }) {
  const top = value as Obj;
  if (!isObj(top)) return;
  for (const [k, v] of Object.entries(top)) {
    if (v === undefined || k === 'apiVersion' || k === 'kind' || opts.skip?.includes(k) || (opts.only && !opts.only.includes(k))) continue;
    const fs = schema.type === 'object' ? propertySchema(schema, k) : undefined;
    if (k === 'metadata' && isObj(v)) {
      const ms = fs ? resolve(fs) : undefined;
      const meta = w.descend(root, 'f:metadata');
      for (const [mk, mv] of Object.entries(v)) {
        if (SERVER_METADATA.has(mk) || mv === undefined) continue;
        const mfs = ms?.type === 'object' ? propertySchema(ms, mk) : undefined;
        visitField(w, mfs ? resolve(mfs) : undefined, mv, w.descend(meta, `f:${mk}`));
      }
      continue;
    }
    visitField(w, fs ? resolve(fs) : undefined, v, w.descend(root, `f:${k}`));
  }
}

/** One field at position `at`: granular objects, maps, list-maps and sets are entered; anything else is one leaf. */
function visitField<P>(w: FieldWalker<P>, s: Schema | undefined, v: unknown, at: P): void {
  if (v === null || v === undefined) {
    w.leaf(at, v);
    return;
  }
  if (s?.type === 'object' && isObj(v) && s.mapType !== 'atomic' && hasKeys(v)) {
    for (const [k, x] of Object.entries(v)) {
      const fs = propertySchema(s, k);
      visitField(w, fs ? resolve(fs) : undefined, x, w.descend(at, `f:${k}`));
    }
    return;
  }
  if (s?.type === 'map' && isObj(v) && s.mapType !== 'atomic' && hasKeys(v)) {
    const vs = resolve(s.values);
    for (const [k, x] of Object.entries(v)) visitField(w, vs, x, w.descend(at, `f:${k}`));
    return;
  }
  if (s?.type === 'array' && Array.isArray(v) && v.length > 0) {
    if (s.listType === 'map' && s.listMapKeys?.length) {
      const item = resolve(s.items);
      const props = item.type === 'object' ? item.properties : undefined;
      const keys = s.listMapKeys;
      const visitItems = (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          const x = v[i];
          if (!isObj(x)) continue;
          const itemAt = w.descend(at, itemKey(x, keys, item));
          w.leaf(w.descend(itemAt, '.'), x);
          for (const [k, y] of Object.entries(x)) {
            const fs = props?.[k];
            visitField(w, fs ? resolve(fs) : undefined, y, w.descend(itemAt, `f:${k}`));
          }
        }
      };
      if (w.defer && v.length > LIST_ITEMS_PER_TASK) deferInParts(w.defer, v.length, LIST_ITEMS_PER_TASK, (from, to) => () => visitItems(from, to));
      else visitItems(0, v.length);
      return;
    }
    if (s.listType === 'set') {
      for (const x of v) w.leaf(w.descend(at, `v:${JSON.stringify(x)}`), x);
      return;
    }
  }
  // Scalars, atomic lists and objects, and anything the schema does not describe: one leaf.
  w.leaf(at, v);
}

/** Positions are key prefixes (see ROOT); leaves go into the index. */
function indexWalker(idx: FieldIndex): FieldWalker<string> {
  return {
    descend: child,
    leaf(prefix, v) {
      const key = keyOf(prefix);
      idx.paths.add(key);
      // With duplicate list keys the first item wins, as a search from the front would find.
      if (!idx.at.has(key)) idx.at.set(key, v);
    },
  };
}

/** Positions are trie nodes, created on the way down; a leaf is a node with no children. */
const trieWalker: FieldWalker<Obj> = {
  descend: (node, seg) => (isObj(node[seg]) ? node[seg] : (node[seg] = {})) as Obj,
  leaf: () => {},
};

/**
 * Leaf paths and the value at each, in one walk. Comparing two objects field by field through this
 * index is linear; looking each path up in the object would scan lists once per path.
 */
export function indexFields(schema: Schema, value: unknown, opts: { skip?: string[]; only?: string[] } = {}): FieldIndex {
  const idx: FieldIndex = { paths: new Set(), at: new Map() };
  visitObject(indexWalker(idx), ROOT, schema, value, opts);
  return idx;
}

/**
 * The FieldsV1 trie of every leaf of an object, built in one walk without path strings (what a
 * create owns): the same trie as toFieldsV1(fieldPaths(...)), keys sorted as serialization sorts them.
 */
export function fieldsTrie(schema: Schema, value: unknown, opts: { skip?: string[] } = {}): Obj {
  return sortTrie(unsortedFieldsTrie(schema, value, opts));
}

/** fieldsTrie's first pass: the trie with keys in the object's order (sortTrie makes it fieldsTrie's). */
export function unsortedFieldsTrie(schema: Schema, value: unknown, opts: { skip?: string[] } = {}): Obj {
  const root: Obj = {};
  visitObject(trieWalker, root, schema, value, opts);
  return root;
}

/**
 * unsortedFieldsTrie in slices: long list-maps (a pod's containers) are walked a part at a time with
 * `turn` (the request's checkpoint) awaited between. The trie's key order differs from one walk's,
 * which sortTrie makes irrelevant.
 */
export async function unsortedFieldsTrieSliced(schema: Schema, value: unknown, opts: { skip?: string[] }, turn: () => Promise<void> | undefined): Promise<Obj> {
  const root: Obj = {};
  await walkInSlices((defer) => visitObject({ ...trieWalker, defer }, root, schema, value, opts), turn);
  return root;
}

/** Keys in sorted order at every level, as toFieldsV1 of sorted paths inserts them. */
export function sortTrie(node: Obj): Obj {
  const keys = Object.keys(node);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1] < keys[i];
  // A node already in order (most are: a container's fields in the order people write them rarely
  // are, but leaves and one-key nodes always are) keeps its object; only its children are visited.
  if (sorted) {
    for (const k of keys) node[k] = sortTrie(node[k] as Obj);
    return node;
  }
  const out: Obj = {};
  for (const k of keys.sort()) out[k] = sortTrie(node[k] as Obj);
  return out;
}

/** Leaf paths of `v` at `path` (as walks of whole objects name them), added to `into`. */
export function leavesUnder(s: Schema | undefined, v: unknown, path: Path, into: Path[]): void {
  visitField(pathWalker(into), s, v, [...path]);
}

/** Positions are paths of segments; every leaf's path goes into `into`. */
function pathWalker(into: Path[]): FieldWalker<Path> {
  return {
    descend: (at, seg) => [...at, seg],
    leaf(at) {
      into.push(at);
    },
  };
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
  const rec = (node: unknown, prefix: string) => {
    if (!isObj(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && prefix !== ROOT) out.add(keyOf(prefix));
    for (const k of keys) {
      if (k === '.') out.add(keyOf(child(prefix, '.')));
      else rec(node[k], child(prefix, k));
    }
  };
  rec(trie, ROOT);
  return out;
}

interface RemovalNode {
  /** This path itself goes (with everything under it). */
  leaf: boolean;
  children: Map<string, RemovalNode>;
}

/**
 * Removes many paths in one pass guided by a trie of them: each list the paths reach is indexed
 * once by item key, so removing n items is linear (removeAt per path would search and splice n times).
 */
export function removeAll(obj: unknown, paths: Iterable<string>, schema?: Schema): void {
  const root: RemovalNode = { leaf: false, children: new Map() };
  for (const k of paths) {
    const segs = fromKey(k);
    let cur = root;
    for (const seg of segs) {
      if (seg === '.') break; // the item itself: its key segment is the leaf
      let next = cur.children.get(seg);
      if (!next) cur.children.set(seg, (next = { leaf: false, children: new Map() }));
      cur = next;
    }
    if (segs.length > 0) cur.leaf = true;
  }
  removeUnder(obj, root, schema);
}

function childSchema(s: Schema | undefined, key: string): Schema | undefined {
  if (s?.type === 'object') {
    const fs = propertySchema(s, key);
    return fs ? resolve(fs) : undefined;
  }
  if (s?.type === 'map') return resolve(s.values);
  return undefined;
}

function removeUnder(node: unknown, trie: RemovalNode, s: Schema | undefined): void {
  if (isObj(node)) {
    for (const [seg, sub] of trie.children) {
      if (!seg.startsWith('f:')) continue;
      const k = seg.slice(2);
      if (!(k in node)) continue;
      if (sub.leaf) delete node[k];
      else removeUnder(node[k], sub, childSchema(s, k));
    }
    return;
  }
  if (!Array.isArray(node)) return;
  const item = s?.type === 'array' ? resolve(s.items) : undefined;
  const keys = s?.type === 'array' ? s.listMapKeys : undefined;
  let byKey: Map<string, number> | undefined;
  let byValue: Map<string, number> | undefined;
  const drop = new Set<number>();
  for (const [seg, sub] of trie.children) {
    let at: number | undefined;
    if (seg.startsWith('k:') && keys?.length) {
      if (!byKey) {
        byKey = new Map();
        for (let i = 0; i < node.length; i++) {
          const x = node[i];
          if (!isObj(x)) continue;
          const key = itemKey(x, keys, item);
          if (!byKey.has(key)) byKey.set(key, i);
        }
      }
      at = byKey.get(seg);
    } else if (seg.startsWith('v:')) {
      if (!byValue) {
        byValue = new Map();
        for (let i = 0; i < node.length; i++) {
          const key = `v:${JSON.stringify(node[i])}`;
          if (!byValue.has(key)) byValue.set(key, i);
        }
      }
      at = byValue.get(seg);
    }
    if (at === undefined) continue;
    if (sub.leaf) drop.add(at);
    else removeUnder(node[at], sub, item);
  }
  if (drop.size === 0) return;
  let w = 0;
  for (let r = 0; r < node.length; r++) if (!drop.has(r)) node[w++] = node[r];
  node.length = w;
}

/** `.spec.template.spec.containers[name="web"].image`, as conflicts are reported. */
export function describePath(path: Path): string {
  let s = '';
  for (const seg of path) {
    if (seg === '.') continue;
    if (seg.startsWith('f:')) s += `.${seg.slice(2)}`;
    else if (seg.startsWith('k:'))
      s += `[${Object.entries(JSON.parse(seg.slice(2)) as Obj)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    else if (seg.startsWith('v:')) s += `[${seg.slice(2)}]`;
  }
  return s;
}
