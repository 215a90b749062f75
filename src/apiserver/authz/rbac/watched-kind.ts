// One RBAC kind kept in memory from the store: a list, then the kind's watch hub from the list's
// revision (like priority-class-cache.ts). A lost watch re-lists after a pause; the index is told
// to drop the kind's objects first, so nothing deleted meanwhile survives.

import type { KObject } from '../../../api/kind.js';
import type { Logger } from '../../../util/log.js';
import type { Objects } from '../../storage/objects.js';
import type { HubEvent, WatchHub } from '../../storage/watch-hub.js';

export interface KindSink {
  clear(): void;
  put(obj: KObject): void;
  remove(obj: KObject): void;
}

export class WatchedKind {
  ready = false;
  private starting?: Promise<void>;
  private sub?: { close(): void };
  private closed = false;

  constructor(
    /** The kind's storage, asked when listing (not held: storage overrides may be set after install). */
    private objects: () => Objects,
    private hub: () => Promise<WatchHub>,
    private sink: KindSink,
    private log: Logger,
    private retryMs = 1000,
  ) {}

  /** Fills the cache (once; again after a lost watch). Resolves when filled or failed (then retried). */
  start(): Promise<void> {
    this.starting ??= this.build().catch((e) => {
      this.log.warn('RBAC cache could not start; retrying', { err: e instanceof Error ? e.message : String(e) });
      this.rebuildLater();
    });
    return this.starting;
  }

  close() {
    this.closed = true;
    this.sub?.close();
  }

  private async build() {
    const hub = await this.hub();
    const page = await this.objects().list(undefined);
    if (this.closed) return;
    this.sink.clear();
    for (const o of page.items) this.sink.put(o);
    this.sub = hub.subscribe(
      page.revision,
      hub.prefix,
      (evs) => this.apply(evs),
      (err) => {
        // The stale policy keeps deciding until the re-list replaces it, as an informer's cache would.
        this.log.warn('RBAC cache lost its watch; re-listing', { err: err.message });
        this.rebuildLater();
      },
    );
    this.ready = true;
  }

  private apply(events: HubEvent[]) {
    for (const e of events) {
      if (e.type === 'DELETED') this.sink.remove(e.object);
      else this.sink.put(e.object);
    }
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
