// Expectations (as in Kubernetes' controllers): after a controller creates or deletes pods it must
// not act on a cache that has not seen those writes yet, or it would create twice. We remember the
// names written and wait until the informer cache reflects them (or a timeout passes, in case a
// watch event was lost: the next list brings the truth).

const TIMEOUT_MS = 30_000;

interface Pending {
  creates: Set<string>;
  deletes: Set<string>;
  at: number;
}

export class Expectations {
  private pending = new Map<string, Pending>();

  private entry(key: string): Pending {
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { creates: new Set(), deletes: new Set(), at: Date.now() }));
    p.at = Date.now();
    return p;
  }

  expectCreate(key: string, objectKey: string) {
    this.entry(key).creates.add(objectKey);
  }

  expectDelete(key: string, objectKey: string) {
    this.entry(key).deletes.add(objectKey);
  }

  /** Whether the cache (lookup by "ns/name") reflects every write made for key. */
  satisfied(key: string, cached: (objectKey: string) => { metadata?: { deletionTimestamp?: string } } | undefined): boolean {
    const p = this.pending.get(key);
    if (!p) return true;
    for (const k of p.creates) if (cached(k)) p.creates.delete(k);
    for (const k of p.deletes) {
      const o = cached(k);
      if (!o || o.metadata?.deletionTimestamp) p.deletes.delete(k);
    }
    if ((p.creates.size === 0 && p.deletes.size === 0) || Date.now() - p.at > TIMEOUT_MS) {
      this.pending.delete(key);
      return true;
    }
    return false;
  }

  forget(key: string) {
    this.pending.delete(key);
  }
}
