// A keyed store with secondary indexes (client-go's cache.Indexer): index functions map an object
// to the values it is filed under, so consumers ask "pods on node n1" or "pods controlled by uid u"
// without scanning the whole cache.

import type { Pod } from '../api/core/index.js';
import type { KObject } from '../api/kind.js';

export type IndexFunc = (o: KObject) => string[];

export const keyOf = (o: KObject) => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : `${o.metadata?.name}`);

/** Index names shared by every consumer; the functions are registered by whoever needs them first. */
export const INDEX_NAMESPACE = 'namespace';
export const INDEX_NODE_NAME = 'spec.nodeName';
export const INDEX_CONTROLLER_UID = 'controller-uid';
export const INDEX_OWNER_UID = 'owner-uid';

export const byNamespace: IndexFunc = (o) => (o.metadata?.namespace ? [o.metadata.namespace] : []);
export const byNodeName: IndexFunc = (o) => {
  const n = (o as Pod).spec?.nodeName;
  return n ? [n] : [];
};
/** The uid of the controlling owner (ownerReferences with controller=true). */
export const byControllerUid: IndexFunc = (o) => {
  const ref = o.metadata?.ownerReferences?.find((r) => r.controller);
  return ref ? [ref.uid] : [];
};
export const byOwnerUid: IndexFunc = (o) => (o.metadata?.ownerReferences ?? []).map((r) => r.uid);

export class Indexer {
  private items = new Map<string, KObject>();
  private indexers = new Map<string, IndexFunc>();
  /** index name -> value -> keys */
  private indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc> = { [INDEX_NAMESPACE]: byNamespace }) {
    this.addIndexers(indexers);
  }

  /** Register indexes; one already registered under a name keeps its function (names are shared). */
  addIndexers(indexers: Record<string, IndexFunc>) {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) continue;
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [k, o] of this.items) file(index, fn(o), k);
    }
  }

  hasIndex(name: string) {
    return this.indexers.has(name);
  }

  get(key: string) {
    return this.items.get(key);
  }

  has(key: string) {
    return this.items.has(key);
  }

  get size() {
    return this.items.size;
  }

  keys() {
    return this.items.keys();
  }

  values() {
    return this.items.values();
  }

  entries() {
    return this.items.entries();
  }

  /** Insert or replace; returns the previous object under the key. */
  set(key: string, o: KObject): KObject | undefined {
    const old = this.items.get(key);
    if (old) this.unfile(key, old);
    this.items.set(key, o);
    for (const [name, fn] of this.indexers) file(this.indices.get(name)!, fn(o), key);
    return old;
  }

  delete(key: string): KObject | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unfile(key, old);
    this.items.delete(key);
    return old;
  }

  /** The objects filed under value in the named index (throws for an index nobody registered). */
  byIndex(name: string, value: string): KObject[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`no index ${name}: register it with addIndexers first`);
    const keys = index.get(value);
    if (!keys) return [];
    const out: KObject[] = [];
    for (const k of keys) out.push(this.items.get(k)!);
    return out;
  }

  /** The values of the named index that have objects (e.g. every node that has pods). */
  indexValues(name: string): string[] {
    return [...(this.indices.get(name)?.keys() ?? [])];
  }

  private unfile(key: string, o: KObject) {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      for (const v of fn(o)) {
        const keys = index.get(v);
        if (!keys) continue;
        keys.delete(key);
        if (!keys.size) index.delete(v);
      }
    }
  }
}

function file(index: Map<string, Set<string>>, values: string[], key: string) {
  for (const v of values) {
    let keys = index.get(v);
    if (!keys) index.set(v, (keys = new Set()));
    keys.add(key);
  }
}
