// One kind kept in memory inside the API server, as an informer keeps it in a client: listed (in
// pages, at one revision), then followed through the kind's watch hub from that revision. A lost
// watch re-lists after a pause; the sink is told to forget the kind first, so nothing deleted
// meanwhile survives. The RBAC policy index, the PriorityClass cache of pod admission and the Node
// authorizer's graph are kept this way.

import type { KObject } from '../../api/kind.js';
import type { Logger } from '../../util/log.js';
import type { Objects } from './objects.js';
import type { HubEvent, WatchHub } from './watch-hub.js';
import { eventAs, eventsAs } from './versions.js';

/** Where a watched kind's objects go. `revision`: the object's, from a list, or the event's. */
export interface KindSink {
  clear(): void;
  put(obj: KObject, revision: number): void;
  remove(obj: KObject, revision: number): void;
}

export interface WatchedKindOptions {
  /** For log lines: "RBAC cache (roles)". */
  what: string;
  /** The kind's storage, asked when listing (not held: storage overrides may be set after install). */
  objects: () => Objects;
  hub: () => Promise<WatchHub>;
  sink: KindSink;
  log: Logger;
  retryMs?: number;
  /** Objects per list page. */
  pageSize?: number;
  /** Forget what is held as soon as the watch is lost, instead of keeping it until the re-list (for consumers that must fail closed). */
  forgetOnLoss?: boolean;
}

const revisionOf = (o: KObject) => Number(o.metadata?.resourceVersion ?? 0);

export class WatchedKind {
  /** Filled and following the watch; false before, and between a lost watch and the re-list. */
  ready = false;
  /** Filled once: what it holds may be a moment stale while re-listing, but is never empty. */
  filled = false;
  private starting?: Promise<void>;
  private sub?: { close(): void };
  private closed = false;

  constructor(private o: WatchedKindOptions) {}

  /** Fills the cache (once; again after a lost watch). Resolves when filled or failed (then retried). */
  start(): Promise<void> {
    this.starting ??= this.build().catch((e) => {
      this.o.log.warn(`${this.o.what} could not start; retrying`, { err: e instanceof Error ? e.message : String(e) });
      this.rebuildLater();
    });
    return this.starting;
  }

  close() {
    this.closed = true;
    this.sub?.close();
  }

  private async build() {
    const hub = await this.o.hub();
    const objects = this.o.objects();
    const limit = this.o.pageSize ?? 500;
    let page = await objects.list(undefined, { limit });
    const revision = page.revision;
    const items = [...page.items];
    while (page.continueKey && !this.closed) {
      page = await objects.list(undefined, { revision, limit, continueKey: page.continueKey });
      items.push(...page.items);
    }
    if (this.closed) return;
    // Replaced in one step once every page is in: readers never see a half-filled kind.
    this.o.sink.clear();
    for (const obj of items) this.o.sink.put(obj, revisionOf(obj));
    this.sub = hub.subscribe(
      revision,
      hub.prefix,
      (evs) => this.apply(evs),
      (err) => {
        // What is held keeps answering until the re-list replaces it, as an informer's cache would
        // (unless the consumer must fail closed).
        this.o.log.warn(`${this.o.what} lost its watch; re-listing`, { err: err.message });
        this.ready = false;
        if (this.o.forgetOnLoss) this.o.sink.clear();
        this.rebuildLater();
      },
    );
    this.ready = true;
    this.filled = true;
  }

  /** Batches of events whose conversion calls out (a webhook) are applied in order, one after another. */
  private applying: Promise<void> = Promise.resolve();

  private apply(events: HubEvent[]) {
    // Events are in the stored form; the sink gets the version its kind's list gave it.
    const view = this.o.objects().view;
    if (view?.async) {
      this.applying = this.applying.then(async () => {
        if (this.closed) return;
        try {
          const evs = await eventsAs(view, events);
          for (const [i, e] of events.entries()) {
            if (e.type === 'DELETED') this.o.sink.remove(evs[i].object, e.revision);
            else this.o.sink.put(evs[i].object, e.revision);
          }
        } catch (err) {
          // Unconvertible: start over from a list, as a lost watch does.
          this.o.log.warn(`${this.o.what} cannot convert watch events; re-listing`, { err: (err as Error).message });
          this.ready = false;
          this.rebuildLater();
        }
      });
      return;
    }
    for (const e of events) {
      const obj = eventAs(view, e).object;
      if (e.type === 'DELETED') this.o.sink.remove(obj, e.revision);
      else this.o.sink.put(obj, e.revision);
    }
  }

  private rebuildLater() {
    this.sub?.close();
    this.sub = undefined;
    if (this.closed) return;
    setTimeout(() => {
      this.starting = undefined;
      if (!this.closed) void this.start();
    }, this.o.retryMs ?? 1000).unref();
  }
}
