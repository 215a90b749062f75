// The PriorityClasses pod admission reads, in memory: every pod create needs its class (or the
// global default), and listing them from the store per create cost a tenth of the server's CPU
// under create load. Filled by one list, then kept current by the PriorityClass watch hub; this
// server's own PriorityClass writes land at once (write-through), so a class created here is seen
// by the next pod created here. Until the cache is ready (or after its watch failed, until it is
// rebuilt), lookups go to the store.

import type { KObject } from '../api/kind.js';
import type { Logger } from '../util/log.js';
import type { Objects } from './storage/objects.js';
import type { WatchHub } from './storage/watch-hub.js';
import { WatchedKind } from './storage/watched-kind.js';

export type PriorityClass = KObject & { value?: number; globalDefault?: boolean; preemptionPolicy?: string };

const revisionOf = (o: KObject) => Number(o.metadata?.resourceVersion ?? 0);

export class PriorityClassCache {
  private byName = new Map<string, PriorityClass>();
  /** Names this server deleted, at the revision they had: older events still on their way must not revive them. */
  private tombstones = new Map<string, number>();
  private watched: WatchedKind;

  constructor(
    private objects: Objects,
    hub: () => Promise<WatchHub>,
    log: Logger,
    retryMs = 1000,
  ) {
    this.watched = new WatchedKind({
      what: 'PriorityClass cache (admission reads the store meanwhile)',
      objects: () => objects,
      hub,
      log,
      retryMs,
      sink: {
        clear: () => this.byName.clear(),
        put: (o, revision) => this.event('PUT', o as PriorityClass, revision),
        remove: (o, revision) => this.event('DELETED', o as PriorityClass, revision),
      },
    });
  }

  /** Build the cache (once; again after a failed watch). Lookups work meanwhile, from the store. */
  start(): Promise<void> {
    return this.watched.start();
  }

  async get(name: string): Promise<PriorityClass | undefined> {
    void this.start();
    const cached = this.watched.ready ? this.byName.get(name) : undefined;
    if (cached) return cached;
    // Not ready, or written by another server a moment ago and not yet delivered: ask the store.
    return (await this.objects.get(undefined, name))?.obj as PriorityClass | undefined;
  }

  async globalDefault(): Promise<PriorityClass | undefined> {
    void this.start();
    if (this.watched.ready) {
      for (const pc of this.byName.values()) if (pc.globalDefault) return pc;
      return undefined;
    }
    return ((await this.objects.list(undefined)).items as PriorityClass[]).find((c) => c.globalDefault);
  }

  /** A PriorityClass this server just wrote (deleted: the object as it was). */
  wrote(obj: KObject, deleted = false) {
    const name = obj.metadata?.name ?? '';
    if (deleted) {
      this.byName.delete(name);
      this.tombstones.set(name, revisionOf(obj));
    } else {
      this.put(obj as PriorityClass);
    }
  }

  close() {
    this.watched.close();
  }

  private put(pc: PriorityClass) {
    const name = pc.metadata?.name ?? '';
    const held = this.byName.get(name);
    if (held && revisionOf(held) >= revisionOf(pc)) return;
    this.byName.set(name, pc);
  }

  /** A listed object or a watch event; this server's own writes may have got here first. */
  private event(type: 'PUT' | 'DELETED', pc: PriorityClass, revision: number) {
    const name = pc.metadata?.name ?? '';
    const tombstone = this.tombstones.get(name);
    if (tombstone !== undefined) {
      if (revision <= tombstone) return;
      this.tombstones.delete(name);
    }
    if (type === 'DELETED') {
      const held = this.byName.get(name);
      if (held && revisionOf(held) <= revision) this.byName.delete(name);
    } else {
      this.put(pc);
    }
  }
}
