// Kubernetes' assume cache: an informer's objects overlaid with versions the scheduler assumed (a PV
// given a claimRef, a claim given a selected node) so the next pod's cycle sees the choice before the
// API write lands. An assumption lasts until the informer holds a newer resourceVersion of the object
// (the write arrived, or someone else changed it), the object goes, or restore() rolls it back.

import type { KObject } from '../../api/kind.js';
import { keyOf } from '../../client/indexer.js';

export interface ObjectSource {
  get(key: string): KObject | undefined;
  list(): KObject[];
}

const version = (o: KObject) => {
  const v = o.metadata?.resourceVersion;
  return typeof v === 'string' && /^\d{1,30}$/.test(v) ? BigInt(v) : undefined;
};

/** The informer's object has caught up with (or overtaken) the assumed one. */
function supersedes(api: KObject, assumed: KObject): boolean {
  const a = version(api);
  const b = version(assumed);
  if (a === undefined || b === undefined) return a !== b || api.metadata?.resourceVersion !== assumed.metadata?.resourceVersion;
  return a > b;
}

export class AssumeCache<T extends KObject> {
  private assumed = new Map<string, T>();

  constructor(private source: ObjectSource) {}

  /** The assumed version if it still stands, else the informer's. */
  get(key: string): T | undefined {
    const api = this.source.get(key) as T | undefined;
    const a = this.assumed.get(key);
    if (!a) return api;
    if (!api || supersedes(api, a)) {
      this.assumed.delete(key);
      return api;
    }
    return a;
  }

  /** The informer's version, ignoring assumptions. */
  getAPI(key: string): T | undefined {
    return this.source.get(key) as T | undefined;
  }

  list(): T[] {
    const items = this.source.list() as T[];
    if (this.assumed.size === 0) return items;
    return items.map((o) => this.get(keyOf(o)) ?? o);
  }

  /** Overlay obj (same key as an informer object) until the informer catches up. */
  assume(obj: T) {
    this.assumed.set(keyOf(obj), obj);
  }

  restore(key: string) {
    this.assumed.delete(key);
  }

  get size() {
    return this.assumed.size;
  }
}
