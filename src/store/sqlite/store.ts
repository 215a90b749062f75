// The embedded Store on SQLite. Writes queue up and commit together once per event-loop turn (group
// commit: one fsync for many writes); each caller's promise settles only after its transaction is
// durable. Watchers are fed synchronously at commit, in revision order, so a replay of history
// followed by live events can have no gap and no duplicate.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { assertInPrefix, CompactedError, ConflictError, FutureRevisionError, KeyExistsError, NotFoundError, type KeyValue, type ListOptions, type ListResult, type Store, type WatchEvent, type WatchOptions, type Watcher } from '../types.js';
import { openDatabase, prefixEnd, type DB, type Row } from './schema.js';
import { prepare, type Statements } from './statements.js';

type Op = { kind: 'create'; key: string; value: string } | { kind: 'update'; key: string; value: string; expected: number } | { kind: 'delete'; key: string; expected?: number };

interface Pending {
  op: Op;
  resolve: (kv: KeyValue) => void;
  reject: (e: Error) => void;
}

interface WatchEntry {
  prefix: string;
  onEvents: (events: WatchEvent[]) => void;
}

const toKv = (r: Row): KeyValue => ({ key: r.name, value: r.value, createRevision: r.create_revision, modRevision: r.id });

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  private db: DB;
  private st: Statements;
  private queue: Pending[] = [];
  private flushScheduled = false;
  private watchers = new Set<WatchEntry>();
  private rev: number;
  private compacted: number;
  private closed = false;

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = openDatabase(file);
    this.st = prepare(this.db);
    this.rev = this.st.revision.get()?.seq ?? 0;
    this.compacted = this.st.getMeta.get('compact_rev')?.v ?? 0;
  }

  async currentRevision() {
    return this.rev;
  }

  async compactedRevision() {
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | null> {
    const r = this.st.latest.get(key);
    return r && !r.deleted ? toKv(r) : null;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const revision = opts.revision && opts.revision > 0 ? opts.revision : this.rev;
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    if (revision > this.rev) throw new FutureRevisionError(revision, this.rev);
    assertInPrefix(prefix, opts.continueKey);
    const from = opts.continueKey ? opts.continueKey + '\u0000' : prefix;
    const end = prefixEnd(prefix);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const rows = this.st.listAt.all(from, end, revision, revision, limit === -1 ? -1 : limit + 1);
    const more = limit !== -1 && rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const result: ListResult = { items: page.map(toKv), revision };
    // No `remaining`: counting the rest of the range would make every page cost the whole range.
    if (more) result.continueKey = page[page.length - 1].name;
    return result;
  }

  async count(prefix: string): Promise<number> {
    return this.st.countAt.get(prefix, prefixEnd(prefix), this.rev)!.n;
  }

  create(key: string, value: string) {
    return this.enqueue({ kind: 'create', key, value });
  }

  update(key: string, value: string, expectedRevision: number) {
    return this.enqueue({ kind: 'update', key, value, expected: expectedRevision });
  }

  delete(key: string, expectedRevision?: number) {
    return this.enqueue({ kind: 'delete', key, expected: expectedRevision });
  }

  private enqueue(op: Op): Promise<KeyValue> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Apply every queued write in one transaction; settle callers and feed watchers after commit. */
  private flush() {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const outcomes: ({ kv: KeyValue; event: WatchEvent } | Error)[] = [];
    const run = this.db.transaction(() => {
      for (const p of batch) outcomes.push(this.apply(p.op));
    });
    try {
      run();
    } catch (e) {
      for (const p of batch) p.reject(e as Error);
      return;
    }
    const events: WatchEvent[] = [];
    outcomes.forEach((o, i) => {
      if (o instanceof Error) batch[i].reject(o);
      else {
        events.push(o.event);
        this.rev = Math.max(this.rev, o.kv.modRevision);
      }
    });
    this.dispatch(events);
    outcomes.forEach((o, i) => {
      if (!(o instanceof Error)) batch[i].resolve(o.kv);
    });
  }

  /** One write inside the open transaction: checks its condition, appends its row. */
  private apply(op: Op): { kv: KeyValue; event: WatchEvent } | Error {
    const cur = this.st.latest.get(op.key);
    const live = cur && !cur.deleted ? cur : undefined;
    if (op.kind === 'create') {
      if (live) return new KeyExistsError(op.key);
      const id = Number(this.st.insert.run(op.key, 1, 0, 0, cur?.id ?? 0, op.value, null).lastInsertRowid);
      this.st.setCreateRevision.run(id, id);
      const kv = { key: op.key, value: op.value, createRevision: id, modRevision: id };
      return { kv, event: { type: 'put', kv } };
    }
    if (!live) return new NotFoundError(op.key);
    if (op.expected !== undefined && op.expected !== live.id) return new ConflictError(op.key, live.id);
    const prevKv = toKv(live);
    if (op.kind === 'update') {
      const id = Number(this.st.insert.run(op.key, 0, 0, live.create_revision, live.id, op.value, live.value).lastInsertRowid);
      const kv = { key: op.key, value: op.value, createRevision: live.create_revision, modRevision: id };
      return { kv, event: { type: 'put', kv, prevKv } };
    }
    const id = Number(this.st.insert.run(op.key, 0, 1, live.create_revision, live.id, live.value, live.value).lastInsertRowid);
    const kv = { key: op.key, value: live.value, createRevision: live.create_revision, modRevision: id };
    return { kv, event: { type: 'delete', kv, prevKv } };
  }

  private dispatch(events: WatchEvent[]) {
    if (events.length === 0) return;
    for (const w of this.watchers) {
      const mine = events.filter((e) => e.kv.key.startsWith(w.prefix));
      if (mine.length > 0) w.onEvents(mine);
    }
  }

  watch(prefix: string, opts: WatchOptions): Watcher {
    if (opts.afterRevision < this.compacted) throw new CompactedError(opts.afterRevision, this.compacted);
    // History and registration happen in one synchronous step: no commit can come between them.
    const history = this.st.history.all(opts.afterRevision, prefix, prefixEnd(prefix)).map((r): WatchEvent => {
      const kv = toKv(r);
      const prevKv = r.prev_revision > 0 && r.old_value !== null && !r.created ? { key: r.name, value: r.old_value, createRevision: r.create_revision, modRevision: r.prev_revision } : undefined;
      return r.deleted ? { type: 'delete', kv, prevKv } : { type: 'put', kv, prevKv };
    });
    const entry: WatchEntry = { prefix, onEvents: opts.onEvents };
    this.watchers.add(entry);
    if (history.length > 0) opts.onEvents(history);
    return { close: () => void this.watchers.delete(entry) };
  }

  async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    const target = Math.min(revision, this.rev);
    this.db.transaction(() => {
      this.st.compact.run(target, target);
      this.st.setMeta.run('compact_rev', target);
    })();
    this.compacted = target;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.watchers.clear();
    this.db.close();
  }
}
