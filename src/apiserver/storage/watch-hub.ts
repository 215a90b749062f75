// One store watch per resource, fanned out to every client watch in memory (Kubernetes' watch cache,
// narrowed): each event is decoded once and serialized once however many clients watch. A recent
// window of events is kept so clients resuming from a recent resourceVersion replay from memory;
// older ones get their own store watch, which replays history or fails with 410 if compacted.

import type { KObject } from '../../api/kind.js';
import { type KeyValue, type Store, type WatchEvent, type Watcher, WatchMovedError } from '../../store/types.js';
import type { Logger } from '../../util/log.js';
import { nextTurn } from '../../util/event-loop-slice.js';
import { decode } from './codec.js';

export interface HubEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  revision: number;
  object: KObject;
  /** `object` as stored (its JSON without resourceVersion): watchers that send it as it is splice
   *  the revision in (stored-json.ts) instead of encoding the object again. */
  value?: string;
  /** The object before this event (for selector transitions). */
  old?: KObject;
  /** Cached serializations, filled by the first writer that needs them. */
  cache?: Map<string, string>;
}

export type HubListener = (events: HubEvent[]) => void;

/** Bytes of stored values decoded and delivered per turn of the event loop (a larger one goes alone). */
const DISPATCH_SLICE_BYTES = 1 << 20;

/** The size of what delivering an event decodes (a delete's object is its last value). */
const valueBytes = (e: WatchEvent) => (e.type === 'delete' ? (e.prevKv ?? e.kv) : e.kv).value.length;

export function toHubEvent(e: WatchEvent): HubEvent {
  const last = e.type === 'delete' ? (e.prevKv ?? e.kv) : e.kv;
  const type = e.type === 'delete' ? 'DELETED' : e.kv.createRevision === e.kv.modRevision || !e.prevKv ? 'ADDED' : 'MODIFIED';
  const ev: HubEvent = { type, key: e.kv.key, revision: e.kv.modRevision, object: decode(last, e.kv.modRevision), value: last.value };
  if (e.prevKv) lazyOld(ev, e.prevKv);
  return ev;
}

/**
 * The object before the event, decoded when first read: only watchers with selectors (and version
 * conversions of such events) need it, and decoding a large object's previous version on every write
 * held the event loop for nothing (a 1 MB pod: tens of milliseconds at commit).
 */
function lazyOld(ev: HubEvent, prev: KeyValue) {
  let old: { v: KObject | undefined } | undefined;
  Object.defineProperty(ev, 'old', {
    enumerable: true,
    configurable: true,
    get: () => (old ??= { v: decode(prev) }).v,
    set: (v: KObject | undefined) => {
      old = { v };
    },
  });
}

export class WatchHub {
  private buffer: HubEvent[] = [];
  /** Every event with revision > bufferFrom is in the buffer (or not yet happened). */
  private bufferFrom = 0;
  /** Highest revision this hub knows all events up to. */
  private progress = 0;
  private listeners = new Set<HubListener>();
  private watcher?: Watcher;
  private closed = false;

  constructor(
    private readonly store: Store,
    readonly prefix: string,
    private readonly log: Logger,
    private readonly capacity = 1000,
  ) {}

  async start(): Promise<void> {
    const rev = await this.store.currentRevision();
    this.bufferFrom = rev;
    this.progress = rev;
    this.open(rev);
  }

  private open(after: number) {
    this.watcher = this.store.watch(this.prefix, {
      afterRevision: after,
      onEvents: (events) => this.receive(events),
      onError: (err) => {
        if (this.closed) return;
        // Lost the store watch (e.g. etcd restarted): resume from what we have seen; clients keep streaming.
        // A watch the etcd store moves to another member is resumed the same way, without a warning.
        if (err instanceof WatchMovedError) this.log.debug('store watch moved; resuming', { prefix: this.prefix, err, from: this.progress });
        else this.log.warn('store watch failed; resuming', { prefix: this.prefix, err, from: this.progress });
        setTimeout(() => {
          if (this.closed) return;
          try {
            this.open(this.progress);
          } catch (e) {
            // Compacted past our position: drop the buffer so resuming clients are told to relist.
            this.log.warn('store watch resume failed; restarting from current', { prefix: this.prefix, err: e });
            this.buffer = [];
            void this.start();
          }
        }, 500);
      },
    });
  }

  /** Store events not decoded and delivered yet, in order (see drain). */
  private pending: WatchEvent[] = [];
  private draining = false;

  private receive(events: WatchEvent[]) {
    for (const e of events) this.pending.push(e);
    if (this.draining) return;
    // Small commits are delivered at once, in the store's own turn (what this server's caches saw
    // before the writer got its answer, as before); a large one starts on a turn of its own, not
    // after the store's write of it.
    if (events.reduce((n, e) => n + valueBytes(e), 0) <= DISPATCH_SLICE_BYTES) this.drain();
    else {
      this.draining = true;
      void nextTurn().then(() => this.drain());
    }
  }

  /**
   * Decodes and delivers pending events in order, about DISPATCH_SLICE_BYTES of values per turn of
   * the event loop: the store hands over every write of a commit at once, and decoding and fanning
   * out several large objects (3 MiB pods: tens of milliseconds each) in one go held the loop.
   */
  private drain() {
    this.draining = true;
    let taken = 0;
    let bytes = 0;
    try {
      while (taken < this.pending.length) {
        const e = this.pending[taken];
        const size = valueBytes(e);
        if (taken > 0 && bytes + size > DISPATCH_SLICE_BYTES) break;
        bytes += size;
        taken++;
      }
      const batch = this.pending.splice(0, taken);
      if (!this.closed) this.dispatch(batch.map(toHubEvent));
    } finally {
      if (this.pending.length > 0) void nextTurn().then(() => this.drain());
      else this.draining = false;
    }
  }

  private dispatch(events: HubEvent[]) {
    if (events.length === 0) return;
    for (const e of events) this.buffer.push(e);
    if (this.buffer.length > this.capacity) {
      const dropped = this.buffer.splice(0, this.buffer.length - this.capacity);
      this.bufferFrom = dropped[dropped.length - 1].revision;
    }
    this.progress = Math.max(this.progress, events[events.length - 1].revision);
    for (const l of this.listeners) l(events);
  }

  /** The revision up to which this hub has delivered every event. */
  get revision(): number {
    return this.progress;
  }

  /** The store forgot history up to `rev`: so does the buffer, so resuming from before it is 410 too. */
  compacted(rev: number) {
    if (rev <= this.bufferFrom) return;
    this.buffer = this.buffer.filter((e) => e.revision > rev);
    this.bufferFrom = rev;
  }

  /** Advance progress without events (called after confirming the store has nothing newer pending). */
  advance(rev: number) {
    if (rev > this.progress) this.progress = rev;
  }

  /**
   * Events with revision > fromRevision under `prefix` (a sub-prefix of the hub's, e.g. one namespace).
   * Replays from memory when it can; otherwise opens a dedicated store watch (which may throw CompactedError).
   */
  subscribe(fromRevision: number, prefix: string, listener: HubListener, onError: (err: Error) => void): { close(): void } {
    // Events still pending in drain() may be older than fromRevision (the caller listed at a revision
    // the store committed and this hub has not delivered yet): they are not news to this watcher.
    const filter =
      prefix === this.prefix
        ? (evs: HubEvent[]) => {
            const mine = evs[0].revision > fromRevision ? evs : evs.filter((e) => e.revision > fromRevision);
            if (mine.length > 0) listener(mine);
          }
        : (evs: HubEvent[]) => {
            const mine = evs.filter((e) => e.revision > fromRevision && e.key.startsWith(prefix));
            if (mine.length > 0) listener(mine);
          };
    if (fromRevision >= this.bufferFrom) {
      const replay = this.buffer.filter((e) => e.revision > fromRevision);
      this.listeners.add(filter);
      // Replay synchronously: no live event can slip in before the history it follows.
      if (replay.length > 0) filter(replay);
      return { close: () => void this.listeners.delete(filter) };
    }
    // Too old for memory: let the store replay its history (or refuse if compacted).
    const w = this.store.watch(prefix, {
      afterRevision: fromRevision,
      onEvents: (evs) => listener(evs.map(toHubEvent)),
      onError,
    });
    return { close: () => w.close() };
  }

  close() {
    this.closed = true;
    this.watcher?.close();
    this.listeners.clear();
  }
}
