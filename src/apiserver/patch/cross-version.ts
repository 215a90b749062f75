// Field ownership across the versions of a kind served at several (storage/versions.ts): each
// managedFields entry holds paths of the version its manager used, so what a write changes is
// compared at that version, as structured-merge-diff does, by converting both objects to it.

import type { KObject, ManagedFieldsEntry } from '../../api/kind.js';
import type { ObjectSchema } from '../../api/schema.js';
import { diffFields } from './field-diff.js';
import { fromKey, pathKey } from './fieldset.js';

/**
 * Another version of the kind: its schema, and a conversion of an object to it. Undefined: not
 * served. A conversion may answer undefined (a webhook conversion not fetched ahead,
 * storage/versions.ts prefetchOtherVersions): that version's ownership is then left as recorded.
 */
export type OtherVersions = (apiVersion: string) => { schema: ObjectSchema; convert(o: KObject): KObject | undefined } | undefined;

/** The field paths (keys) that differ between `old` and `updated` as seen at `apiVersion`, cached per version. */
export function changesByVersion(others: OtherVersions, old: KObject, updated: KObject, skip: string[]): (apiVersion: string) => Set<string> | undefined {
  const cache = new Map<string, Set<string> | undefined>();
  return (apiVersion) => {
    if (cache.has(apiVersion)) return cache.get(apiVersion);
    const other = others(apiVersion);
    let out: Set<string> | undefined;
    const [a, b] = other ? [other.convert(old), other.convert(updated)] : [];
    if (other && a && b) {
      const d = diffFields(other.schema, a, b, skip);
      out = new Set([...d.changed, ...d.removed].map(pathKey));
    }
    cache.set(apiVersion, out);
    return out;
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Removes a leaf path from a FieldsV1 trie (copied), with the ancestors it leaves empty. */
function without(trie: Obj, segs: string[]): Obj {
  const root = structuredClone(trie);
  const parents: Obj[] = [];
  let cur: unknown = root;
  for (const s of segs.slice(0, -1)) {
    if (!isObj(cur)) return trie;
    parents.push(cur);
    cur = cur[s];
  }
  if (!isObj(cur) || !(segs[segs.length - 1] in cur)) return trie;
  delete cur[segs[segs.length - 1]];
  for (let i = segs.length - 2; i >= 0 && isObj(cur) && Object.keys(cur).length === 0; i--) {
    delete parents[i][segs[i]];
    cur = parents[i];
  }
  return root;
}

/**
 * Entries of managers at other versions lose the fields this write changes (seen at their version);
 * entries at the request's version are left to the same-version bookkeeping.
 */
export function dropChangedAtOtherVersions(entries: ManagedFieldsEntry[], requestVersion: string, changedAt: (apiVersion: string) => Set<string> | undefined): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    const changed = e.apiVersion && e.apiVersion !== requestVersion ? changedAt(e.apiVersion) : undefined;
    if (!changed || changed.size === 0 || !isObj(e.fieldsV1)) {
      out.push(e);
      continue;
    }
    let trie = e.fieldsV1 as Obj;
    for (const p of changed) trie = without(trie, fromKey(p));
    if (Object.keys(trie).length > 0) out.push(trie === e.fieldsV1 ? e : { ...e, fieldsV1: trie });
  }
  return out;
}
