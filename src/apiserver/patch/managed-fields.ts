// Field ownership (managedFields): server-side apply merges a manager's configuration into the live
// object, refuses to silently take fields another manager set to a different value (409 Conflict,
// unless forced), and removes fields the manager stopped applying; ordinary writes (Update) move
// ownership of the fields they change to their manager.
// Linear in object and field-set sizes: values are compared through one index per object
// (indexFields), list items are matched through maps keyed by item key, and removals happen in one pass.

import type { KObject, ManagedFieldsEntry } from '../../api/kind.js';
import { propertySchema, resolve, type ObjectSchema, type Schema } from '../../api/schema.js';
import { deepEqual } from '../../util/equal.js';
import { ApiError } from '../../api/errors.js';
import { describePath, fieldPaths, fieldsTrie, fromFieldsV1, fromKey, indexFields, itemKey, removeAll, sortTrie, toFieldsV1, unsortedFieldsTrieSliced } from './fieldset.js';
import { diffFields, diffFieldsSliced, type FieldDiff } from './field-diff.js';
import { changesByVersion, dropChangedAtOtherVersions, type OtherVersions } from './cross-version.js';
import { cloneJson } from '../../util/clone-json.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface OwnershipOptions {
  manager: string;
  schema: ObjectSchema;
  apiVersion: string;
  subresource?: string;
  now: string;
  /** For kinds served at several versions: entries of managers at other versions are compared at theirs (cross-version.ts). */
  otherVersions?: OtherVersions;
}

interface Entry extends ManagedFieldsEntry {
  set: Set<string>;
}

const sameOwner = (e: ManagedFieldsEntry, manager: string, operation: string, subresource?: string) => e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? '');
/** An updater is one manager per version it writes with (Kubernetes keys Update entries by apiVersion too; Apply entries not). */
const sameUpdater = (e: ManagedFieldsEntry, opts: OwnershipOptions) => sameOwner(e, opts.manager, 'Update', opts.subresource) && (!opts.otherVersions || !e.apiVersion || e.apiVersion === opts.apiVersion);

function entriesOf(obj: KObject | undefined): Entry[] {
  return (obj?.metadata?.managedFields ?? []).map((e) => ({ ...e, set: fromFieldsV1(e.fieldsV1) }));
}

function serialize(entries: Entry[]): ManagedFieldsEntry[] | undefined {
  const out = entries
    .filter((e) => e.set.size > 0)
    .map(({ set, ...e }) => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: e.apiVersion,
      time: e.time,
      fieldsType: 'FieldsV1' as const,
      fieldsV1: toFieldsV1([...set].sort()),
      ...(e.subresource ? { subresource: e.subresource } : {}),
    }));
  return out.length ? out : undefined;
}

/** How a list item's own path (`...,"."]`) ends. */
const ITEM_SUFFIX = ',"."]';

/** Status is owned through the status subresource; the main resource's field sets leave it out. */
const skipFor = (subresource?: string) => (subresource === 'status' ? [] : ['status']);

/** Merge an applied configuration into the live object per the schema (list-maps by key, sets by value). */
function mergeApplied(live: unknown, applied: unknown, s: Schema | undefined): unknown {
  if (applied === undefined) return live;
  if (s?.type === 'object' && isObj(applied) && s.mapType !== 'atomic') {
    const out: Obj = isObj(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) {
      const fs = propertySchema(s, k);
      out[k] = mergeApplied(out[k], v, fs ? resolve(fs) : undefined);
    }
    return out;
  }
  if (s?.type === 'map' && isObj(applied) && s.mapType !== 'atomic') {
    const out: Obj = isObj(live) ? { ...live } : {};
    const vs = resolve(s.values);
    for (const [k, v] of Object.entries(applied)) out[k] = mergeApplied(out[k], v, vs);
    return out;
  }
  if (s?.type === 'array' && Array.isArray(applied) && Array.isArray(live)) {
    if (s.listType === 'map' && s.listMapKeys?.length) {
      const item = resolve(s.items);
      const out = [...live];
      const byKey = new Map<string, number>();
      out.forEach((x, i) => {
        if (!isObj(x)) return;
        const key = itemKey(x, s.listMapKeys!, item);
        if (!byKey.has(key)) byKey.set(key, i);
      });
      for (const a of applied) {
        if (!isObj(a)) continue;
        const key = itemKey(a, s.listMapKeys, item);
        const at = byKey.get(key);
        if (at !== undefined) out[at] = mergeApplied(out[at], a, item);
        else {
          byKey.set(key, out.length);
          out.push(a);
        }
      }
      return out;
    }
    if (s.listType === 'set') {
      const out = [...live];
      const seen = new Set(out.map((x) => JSON.stringify(x)));
      for (const a of applied) {
        const k = JSON.stringify(a);
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(a);
      }
      return out;
    }
  }
  return cloneJson(applied);
}

export function serverSideApply(live: KObject | undefined, applied: KObject, opts: OwnershipOptions & { force: boolean }): KObject {
  const skip = skipFor(opts.subresource);
  const appliedIdx = indexFields(opts.schema, applied, { skip });
  const appliedSet = appliedIdx.paths;
  const entries = entriesOf(live);
  const conflicts: { manager: string; apiVersion?: string; path: string }[] = [];
  const { managedFields: _drop, ...appliedMeta } = applied.metadata ?? {};
  const merged = mergeApplied(cloneJson(live ?? {}), { ...applied, metadata: appliedMeta }, opts.schema) as KObject;
  const changedAt = live && opts.otherVersions ? changesByVersion(opts.otherVersions, live, merged, skip) : undefined;
  if (live) {
    const liveAt = indexFields(opts.schema, live, { skip }).at;
    for (const e of entries) {
      if (sameOwner(e, opts.manager, 'Apply', opts.subresource)) continue;
      // A manager at another version conflicts on what this apply changes as seen at its version.
      const changed = changedAt && e.apiVersion && e.apiVersion !== opts.apiVersion ? changedAt(e.apiVersion) : undefined;
      if (changed) {
        for (const p of [...e.set]) {
          if (!changed.has(p)) continue;
          if (opts.force) e.set.delete(p);
          else conflicts.push({ manager: e.manager ?? '', apiVersion: e.apiVersion, path: describePath(fromKey(p)) });
        }
        continue;
      }
      // Walk the smaller set and probe the other: many managers cost what their field sets hold.
      const [walkSet, probeSet] = e.set.size < appliedSet.size ? [e.set, appliedSet] : [appliedSet, e.set];
      for (const p of [...walkSet]) {
        if (!probeSet.has(p)) continue;
        const path = fromKey(p);
        if (path[path.length - 1] === '.') continue;
        if (!deepEqual(liveAt.get(p), appliedIdx.at.get(p))) {
          if (opts.force) e.set.delete(p);
          else conflicts.push({ manager: e.manager ?? '', apiVersion: e.apiVersion, path: describePath(path) });
        }
      }
    }
  }
  if (conflicts.length > 0) {
    const lines = conflicts.map((c) => `conflict with "${c.manager}"${c.apiVersion ? ` using ${c.apiVersion}` : ''}: ${c.path}`);
    const msg = conflicts.length === 1 ? `Apply failed with 1 conflict: ${lines[0]}` : `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
    throw new ApiError(409, 'Conflict', msg, { causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}"${c.apiVersion ? ` using ${c.apiVersion}` : ''}`, field: c.path })) });
  }
  // Fields this manager applied before but not now, owned by nobody else, go away (when it applied
  // at another version its old paths are that version's: nothing is removed by them).
  const mine = entries.find((e) => sameOwner(e, opts.manager, 'Apply', opts.subresource));
  if (mine && (!opts.otherVersions || !mine.apiVersion || mine.apiVersion === opts.apiVersion)) {
    const others = new Set<string>();
    for (const e of entries) if (e !== mine) for (const p of e.set) others.add(p);
    const dropped = [...mine.set].filter((p) => !appliedSet.has(p) && !others.has(p));
    removeAll(merged, dropped, opts.schema);
  }
  const next: Entry[] = entries.filter((e) => e !== mine);
  next.push({ manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, time: opts.now, fieldsType: 'FieldsV1', set: appliedSet, subresource: opts.subresource });
  merged.metadata = { ...(merged.metadata ?? {}), managedFields: serialize(orderEntries(next, mine ? entries.indexOf(mine) : undefined)) };
  if (!merged.metadata.managedFields) delete merged.metadata.managedFields;
  return merged;
}

/** Keep an updated manager's entry where it was, for stable output. */
function orderEntries(next: Entry[], at: number | undefined): Entry[] {
  if (at === undefined) return next;
  const last = next.pop()!;
  next.splice(Math.min(at, next.length), 0, last);
  return next;
}

/** A non-apply write: the manager takes the fields it changed; fields gone from the object lose their owners. */
export function recordUpdate(old: KObject | undefined, updated: KObject, opts: OwnershipOptions): KObject {
  if (!old) return recordCreate(updated, opts);
  return recordDifference(old, updated, opts, diffFields(opts.schema, old, updated, ownedSkip(opts)));
}

/**
 * recordUpdate in two slices of the event loop: finding what changed and moving its ownership are
 * each a whole-object pass on a large object (tens of milliseconds for a 5,000-container pod), and
 * `turn` (the request's slicer) may give the loop a turn between them.
 */
export async function recordUpdateSliced(old: KObject | undefined, updated: KObject, opts: OwnershipOptions, turn: () => Promise<void> | undefined): Promise<KObject> {
  if (!old) {
    if (updated.metadata?.managedFields?.length) return recordUpdateBySets(undefined, updated, opts);
    const unsorted = await unsortedFieldsTrieSliced(opts.schema, updated, { skip: ownedSkip(opts) }, turn);
    await turn();
    return ownedByCreator(updated, sortTrie(unsorted), opts);
  }
  const diff = await diffFieldsSliced(opts.schema, old, updated, ownedSkip(opts), turn);
  await turn();
  return recordDifference(old, updated, opts, diff);
}

/** A create owns everything it sets: one walk straight into a trie. */
function recordCreate(updated: KObject, opts: OwnershipOptions): KObject {
  if (updated.metadata?.managedFields?.length) return recordUpdateBySets(undefined, updated, opts);
  return ownedByCreator(updated, fieldsTrie(opts.schema, updated, { skip: ownedSkip(opts) }), opts);
}

/** The top-level fields a non-apply write's ownership leaves out (a /status write owns status, so it skips nothing). */
const ownedSkip = (opts: OwnershipOptions) => (opts.subresource === 'status' ? [] : skipFor(opts.subresource));

/** The created object with its creator's one managedFields entry (none when it set no field). */
function ownedByCreator(updated: KObject, trie: Obj, opts: OwnershipOptions): KObject {
  updated.metadata = { ...(updated.metadata ?? {}) };
  if (isEmpty(trie)) delete updated.metadata.managedFields;
  else updated.metadata.managedFields = [entryOf({ manager: opts.manager, operation: 'Update', subresource: opts.subresource }, trie, { time: opts.now, apiVersion: opts.apiVersion })];
  return updated;
}

function recordDifference(old: KObject, updated: KObject, opts: OwnershipOptions, diff: FieldDiff): KObject {
  const skip = ownedSkip(opts);
  let entries = old.metadata?.managedFields ?? [];
  if (opts.otherVersions) entries = dropChangedAtOtherVersions(entries, opts.apiVersion, changesByVersion(opts.otherVersions, old, updated, skip));
  // Editing every manager's trie costs managers x differences; past this, whole sets are cheaper.
  if (entries.length * (diff.changed.length + diff.removed.length) > 1_000_000) return recordUpdateBySets(old, updated, opts);
  return applyDiff(entries, diff, updated, opts);
}

/**
 * Moves ownership by editing only the FieldsV1 tries the difference touches: removed leaves leave
 * every manager, changed leaves leave the others and join this manager. Managers whose fields did
 * not change keep their entries as they were, so a small change to a big object costs what changed.
 */
function applyDiff(entries: ManagedFieldsEntry[], diff: FieldDiff, updated: KObject, opts: OwnershipOptions): KObject {
  const { removed, changed } = diff;
  let mineAt = entries.findIndex((e) => sameUpdater(e, opts));
  const next: ManagedFieldsEntry[] = [];
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    let trie = isObj(e.fieldsV1) ? (e.fieldsV1 as Obj) : {};
    let copied = false;
    const drop = (segs: string[]) => {
      if (!trieHas(trie, segs)) return;
      if (!copied) {
        trie = cloneJson(trie);
        copied = true;
      }
      trieRemove(trie, segs);
    };
    for (const p of removed) drop(p);
    if (i !== mineAt) for (const p of changed) drop(p);
    if (i === mineAt && changed.length > 0) {
      // A manager changing fields it owns already (kubectl setting every image again) adds nothing:
      // its trie is kept, not copied (a copy of a 5,000-container pod's trie is tens of milliseconds).
      const added = changed.filter((p) => !trieHas(trie, p));
      if (added.length > 0 && !copied) trie = cloneJson(trie);
      for (const p of added) trieAdd(trie, p);
      next.push(entryOf(e, trie, { time: opts.now, apiVersion: opts.apiVersion }));
    } else if (isEmpty(trie)) {
      if (i === mineAt) mineAt = -1;
    } else next.push(copied ? entryOf(e, trie) : e);
  }
  if (mineAt < 0 && changed.length > 0) {
    const trie: Obj = {};
    for (const p of changed) trieAdd(trie, p);
    next.push(entryOf({ manager: opts.manager, operation: 'Update', subresource: opts.subresource }, trie, { time: opts.now, apiVersion: opts.apiVersion }));
  }
  const out = updated;
  out.metadata = { ...(out.metadata ?? {}), managedFields: next.length ? next : undefined };
  if (!out.metadata.managedFields) delete out.metadata.managedFields;
  return out;
}

/** An entry in serialize()'s field order with a new trie (and time and apiVersion when given). */
function entryOf(e: Partial<ManagedFieldsEntry>, trie: Obj, set: { time?: string; apiVersion?: string } = {}): ManagedFieldsEntry {
  return {
    manager: e.manager,
    operation: e.operation,
    apiVersion: set.apiVersion ?? e.apiVersion,
    time: set.time ?? e.time,
    fieldsType: 'FieldsV1' as const,
    fieldsV1: trie,
    ...(e.subresource ? { subresource: e.subresource } : {}),
  } as ManagedFieldsEntry;
}

/** Whether an object has no keys, without listing them (a list-map node can have thousands). */
function isEmpty(o: Obj): boolean {
  for (const _ in o) return false;
  return true;
}

/** Whether a leaf path is in a FieldsV1 trie: its node exists and has no children. */
function trieHas(root: Obj, segs: string[]): boolean {
  let cur: unknown = root;
  for (const seg of segs) {
    if (!isObj(cur)) return false;
    cur = cur[seg];
  }
  return isObj(cur) && isEmpty(cur);
}

/** Removes a leaf and the ancestors it leaves empty (an empty inner node would read as a leaf). */
function trieRemove(root: Obj, segs: string[]): void {
  const parents: Obj[] = [];
  let cur = root;
  for (let i = 0; i < segs.length - 1; i++) {
    parents.push(cur);
    cur = cur[segs[i]] as Obj;
  }
  delete cur[segs[segs.length - 1]];
  for (let i = segs.length - 2; i >= 0 && isEmpty(cur); i--) {
    delete parents[i][segs[i]];
    cur = parents[i];
  }
}

function trieAdd(root: Obj, segs: string[]): void {
  let cur = root;
  for (const seg of segs) cur = (isObj(cur[seg]) ? cur[seg] : (cur[seg] = {})) as Obj;
}

/** The same by whole field sets: every path of both objects (creates, and updates of objects with very many managers). */
export function recordUpdateBySets(old: KObject | undefined, updated: KObject, opts: OwnershipOptions): KObject {
  const skip = skipFor(opts.subresource);
  const newIdx = indexFields(opts.schema, updated, { skip: opts.subresource === 'status' ? [] : skip });
  const oldIdx = old ? indexFields(opts.schema, old, { skip: opts.subresource === 'status' ? [] : skip }) : undefined;
  const changed = new Set<string>();
  for (const p of newIdx.paths) {
    // A list item itself (`.`) changes only by appearing, as in structured-merge-diff: a changed field
    // inside it moves that field, not the item.
    if (!oldIdx?.paths.has(p)) changed.add(p);
    else if (!p.endsWith(ITEM_SUFFIX) && !deepEqual(oldIdx.at.get(p), newIdx.at.get(p))) changed.add(p);
  }
  const entries = entriesOf(old ?? updated);
  // Every field the object now has, the skipped ones (status) included: the walk above plus a walk of those.
  const skipped = opts.subresource === 'status' ? [] : skip;
  const skippedNow = skipped.length ? fieldPaths(opts.schema, updated, { only: skipped }) : new Set<string>();
  const allNow = { has: (p: string) => newIdx.paths.has(p) || skippedNow.has(p) };
  for (const e of entries) {
    for (const p of [...e.set]) if (!allNow.has(p) || (changed.has(p) && !sameUpdater(e, opts))) e.set.delete(p);
  }
  let mine = entries.find((e) => sameUpdater(e, opts));
  if (changed.size > 0) {
    if (!mine) {
      mine = { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, fieldsType: 'FieldsV1', set: new Set(), subresource: opts.subresource };
      entries.push(mine);
    }
    for (const p of changed) mine.set.add(p);
    mine.time = opts.now;
    mine.apiVersion = opts.apiVersion;
  }
  const out = updated;
  out.metadata = { ...(out.metadata ?? {}), managedFields: serialize(entries) };
  if (!out.metadata.managedFields) delete out.metadata.managedFields;
  return out;
}
