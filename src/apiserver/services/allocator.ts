// A store-backed allocator: one key per allocated value (/registry/gifee/allocations/<kind>/<value>),
// created with the store's create-if-absent and deleted on release, like Kubernetes' IPAddress
// objects (KEP-1880) rather than its single RangeAllocation bitmap. Why: a create of one key is
// atomic in both backends, so concurrent requests, several API servers on one etcd and restarts
// all agree without a shared in-process lock, and allocations of different values never contend
// on one hot bitmap object. Each key names its owner (namespace, name, uid) so a repair pass can
// tell leaked allocations from live ones.

import { type Store, StoreError } from '../../store/types.js';
import { type AllocationRange, reservedBand } from './ranges.js';

export interface Owner {
  namespace: string;
  name: string;
  uid: string;
}

export interface Allocation {
  value: string;
  owner: Owner;
  /** When the allocation was made (ISO time): young ones may belong to a create still in flight. */
  time: string;
  revision: number;
}

export class AllocationError extends Error {
  constructor(
    readonly reason: 'Allocated' | 'NotInRange' | 'Full',
    message: string,
  ) {
    super(message);
    this.name = 'AllocationError';
  }
}

export const ALLOCATIONS_PREFIX = '/registry/gifee/allocations/';

export class StoreAllocator {
  /** Offsets seen taken: a hint that steers random picks away from them, never the truth (the store is). */
  private seenTaken = new Set<number>();

  constructor(
    private store: Store,
    readonly range: AllocationRange,
  ) {}

  private get prefix() {
    return `${ALLOCATIONS_PREFIX}${this.range.kind}/`;
  }

  private key(value: string) {
    return this.prefix + value;
  }

  private notInRange(value: string): AllocationError {
    return this.range.unit === 'IP' ? new AllocationError('NotInRange', `the provided IP (${value}) is not in the valid range. The range of valid IPs is ${this.range.display}`) : new AllocationError('NotInRange', `provided port is not in the valid range. The range of valid ports is ${this.range.display}`);
  }

  private allocated(): AllocationError {
    return new AllocationError('Allocated', this.range.unit === 'IP' ? 'provided IP is already allocated' : 'provided port is already allocated');
  }

  /** Canonical form of a value in the range (e.g. "010.43.0.1" is not one), or a NotInRange error. */
  canonical(value: string): string {
    const off = this.range.offsetOf(value);
    if (off === undefined) throw this.notInRange(value);
    return this.range.valueAt(off);
  }

  /**
   * Take `value` for `owner`. Taking a value the same owner (same uid) already holds succeeds, so a
   * retried request and a service using one node port for TCP and UDP are fine.
   */
  async allocate(value: string, owner: Owner): Promise<void> {
    const canon = this.canonical(value);
    const off = this.range.offsetOf(canon)!;
    if (await this.tryCreate(canon, owner)) return;
    this.seenTaken.add(off);
    const cur = await this.get(canon);
    if (cur && cur.owner.uid === owner.uid) return;
    if (!cur && (await this.tryCreate(canon, owner))) return; // released between our create and get
    throw this.allocated();
  }

  /** Take any free value: random picks above the reserved band first, then a scan of what the store says is free. */
  async allocateNext(owner: Owner): Promise<string> {
    const { size } = this.range;
    const band = reservedBand(this.range);
    for (let i = 0; i < 32 && this.seenTaken.size < size; i++) {
      const off = band + Math.floor(Math.random() * (size - band));
      if (this.seenTaken.has(off)) continue;
      const value = this.range.valueAt(off);
      if (await this.tryCreate(value, owner)) return value;
      this.seenTaken.add(off);
    }
    // Crowded: learn the real state and walk the free values, upper band first.
    for (let round = 0; round < 3; round++) {
      const taken = new Set((await this.list()).map((a) => this.range.offsetOf(a.value)).filter((o): o is number => o !== undefined));
      this.seenTaken = taken;
      const start = band + Math.floor(Math.random() * (size - band));
      const order = (function* () {
        for (let o = start; o < size; o++) yield o;
        for (let o = band; o < start; o++) yield o;
        for (let o = 0; o < band; o++) yield o;
      })();
      for (const off of order) {
        if (taken.has(off)) continue;
        const value = this.range.valueAt(off);
        if (await this.tryCreate(value, owner)) return value;
        taken.add(off);
      }
      if (taken.size >= size) break;
    }
    throw new AllocationError('Full', 'range is full');
  }

  /** Give `value` back; with an owner, only if that owner still holds it. Releasing a free value is a no-op. */
  async release(value: string, owner?: Pick<Owner, 'uid'>): Promise<boolean> {
    const off = this.range.offsetOf(value);
    if (off === undefined) return false;
    const canon = this.range.valueAt(off);
    for (let attempt = 0; attempt < 5; attempt++) {
      const cur = await this.get(canon);
      if (!cur) break;
      if (owner && cur.owner.uid !== owner.uid) return false;
      try {
        await this.store.delete(this.key(canon), cur.revision);
        this.seenTaken.delete(off);
        return true;
      } catch (e) {
        if (e instanceof StoreError && (e.code === 'Conflict' || e.code === 'NotFound')) continue;
        throw e;
      }
    }
    this.seenTaken.delete(off);
    return false;
  }

  async get(value: string): Promise<Allocation | null> {
    const kv = await this.store.get(this.key(value));
    if (!kv) return null;
    const v = JSON.parse(kv.value) as { owner: Owner; time: string };
    return { value, owner: v.owner, time: v.time, revision: kv.modRevision };
  }

  async list(): Promise<Allocation[]> {
    const out: Allocation[] = [];
    let continueKey: string | undefined;
    let revision: number | undefined;
    do {
      const page = await this.store.list(this.prefix, { limit: 1000, continueKey, revision });
      for (const kv of page.items) {
        const v = JSON.parse(kv.value) as { owner: Owner; time: string };
        out.push({ value: kv.key.slice(this.prefix.length), owner: v.owner, time: v.time, revision: kv.modRevision });
      }
      continueKey = page.continueKey;
      revision = page.revision;
    } while (continueKey);
    return out;
  }

  private async tryCreate(value: string, owner: Owner): Promise<boolean> {
    try {
      await this.store.create(this.key(value), JSON.stringify({ owner, time: new Date().toISOString() }));
      return true;
    } catch (e) {
      if (e instanceof StoreError && e.code === 'KeyExists') return false;
      throw e;
    }
  }
}
