// The PriorityClasses pod admission reads, in memory: every pod create needs its class (or the
// global default), and listing them from the store per create cost a tenth of the server's CPU
// under create load. Filled by one list, then kept current by the PriorityClass watch hub; this
// server's own PriorityClass writes land at once (write-through), so a class created here is seen
// by the next pod created here. Until the cache is ready (or after its watch failed, until it is
// rebuilt), lookups go to the store.

import type { KObject } from '../api/kind.js';
import type { Logger } from '../util/log.js';
import type { Objects } from './storage/objects.js';
import type { HubEvent, WatchHub } from './storage/watch-hub.js';

export type PriorityClass = KObject & { value?: number; globalDefault?: boolean; preemptionPolicy?: string };

const revisionOf = (o: KObject) => Number(o.metadata?.resourceVersion ?? 0);

export class PriorityClassCache {
  private byName = new Map<string, PriorityClass>();
  /** Names this server deleted, at the revision they had: older events still on their way must not revive them. */
  private tombstones = new Map<string, number>();
  private ready = false;
  private starting?: Promise<void>;
  private sub?: { close(): void };
  private closed = false;

  constructor(
    private objects: Objects,
    private hub: () => Promise<WatchHub>,
    private log: Logger,
    private retryMs = 1000,
  ) {}

  /** Build the cache (once; again after a failed watch). Lookups work meanwhile, from the store. */
  start(): Promise<void> {
    this.starting ??= this.build().catch((e) => {
      this.log.warn('PriorityClass cache could not start; admission reads the store until it does', { err: e });
      this.rebuildLater();
    });
    return this.starting;
  }

  async get(name: string): Promise<PriorityClass | undefined> {
    void this.start();
    const cached = this.ready ? this.byName.get(name) : undefined;
    if (cached) return cached;
    // Not ready, or written by another server a moment ago and not yet delivered: ask the store.
    return (await this.objects.get(undefined, name))?.obj as PriorityClass | undefined;
  }

  async globalDefault(): Promise<PriorityClass | undefined> {
    void this.start();
    if (this.ready) {
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
    this.closed = true;
    this.sub?.close();
  }

  private put(pc: PriorityClass) {
    const name = pc.metadata?.name ?? '';
    const held = this.byName.get(name);
    if (held && revisionOf(held) >= revisionOf(pc)) return;
    this.byName.set(name, pc);
  }

  private apply(events: HubEvent[]) {
    for (const e of events) {
      const name = e.object.metadata?.name ?? '';
      const tombstone = this.tombstones.get(name);
      if (tombstone !== undefined) {
        if (e.revision <= tombstone) continue;
        this.tombstones.delete(name);
      }
      if (e.type === 'DELETED') {
        const held = this.byName.get(name);
        if (held && revisionOf(held) <= e.revision) this.byName.delete(name);
      } else {
        this.put(e.object as PriorityClass);
      }
    }
  }

  private async build() {
    const hub = await this.hub();
    const page = await this.objects.list(undefined);
    if (this.closed) return;
    this.byName.clear();
    for (const pc of page.items as PriorityClass[]) this.put(pc);
    this.sub = hub.subscribe(
      page.revision,
      hub.prefix,
      (evs) => this.apply(evs),
      (err) => {
        this.log.warn('PriorityClass cache lost its watch; rebuilding', { err });
        this.ready = false;
        this.rebuildLater();
      },
    );
    this.ready = true;
  }

  private rebuildLater() {
    this.sub?.close();
    this.sub = undefined;
    if (this.closed) return;
    setTimeout(() => {
      this.starting = undefined;
      if (!this.closed) void this.start();
    }, this.retryMs).unref();
  }
}
