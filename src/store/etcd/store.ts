// The Store on an etcd v3 cluster (for HA control planes): creates and conditional updates are etcd
// transactions comparing create/mod revisions, lists read at one revision with limits, and watches
// are etcd watches from a revision with previous values. etcd's revision is the resourceVersion.
//
// Every call has a deadline of its own (callTimeoutMs, 3 s by default) instead of waiting for etcd's
// request timeout (5 s + 2 election timeouts): a proposal forwarded to a leader that just died is
// lost, and the member only gives up on it after those 7 s. Reads are retried on a fault until the
// operation's budget (retryBudgetMs) runs out; a write whose outcome is unknown is looked up and
// retried only where that cannot apply it twice (unknown-outcome.ts decides). etcd3's own retries and
// per-host circuit breaker are off: they retried transactions blindly, and the breaker, open for 5 s
// after three failures, stopped every call to a single endpoint during a leader election.
//
// Several endpoints: which member each call goes to, and when one is marked down or back, is
// members.ts's (shared with the other users of a managed etcd). Watches follow the preferred member.

import { type Etcd3, GRPCOutOfRangeError, type IKeyValue, type IRangeResponse, type ITxnRequest, type ITxnResponse } from 'etcd3';
import { afterUnknownOutcome, type Decision, type Mutation } from './unknown-outcome.js';
import { type CallOpts, DEFAULT_CALL_TIMEOUT_MS, EtcdMembers, type EtcdMembersOptions, isUnavailable } from './members.js';
import type { EtcdTls } from './tls.js';
import { assertInPrefix, CompactedError, ConflictError, FutureRevisionError, KeyExistsError, NotFoundError, UnavailableError, type KeyValue, type ListOptions, type ListResult, type Store, type WatchEvent, type WatchOptions, type Watcher, WatchMovedError } from '../types.js';
import { ignoreError } from '../../util/best-effort.js';

const b = (s: string) => Buffer.from(s);
const toKv = (kv: IKeyValue): KeyValue => ({ key: kv.key.toString(), value: kv.value.toString(), createRevision: Number(kv.create_revision), modRevision: Number(kv.mod_revision) });
/** The end of the key range holding every key with this prefix ("a/" -> "a0"). */
function rangeEnd(prefix: string): Buffer {
  const buf = Buffer.from(prefix);
  for (let i = buf.length - 1; i >= 0; i--) {
    if (buf[i] < 0xff) {
      const end = buf.subarray(0, i + 1);
      end[i]++;
      return Buffer.from(end);
    }
  }
  return Buffer.from([0]);
}

export type { EtcdTls } from './tls.js';
export { etcdClientOptions } from './tls.js';
export { DEFAULT_CALL_TIMEOUT_MS, isUnavailable };

/** Per-call deadline, retry budget and member choice of the store's etcd calls. */
export interface EtcdStoreOptions extends EtcdMembersOptions {
  /** How long one store operation goes on retrying after faults, ms (default 9000). */
  retryBudgetMs?: number;
  /** The server's member set, shared with its other etcd users (not closed with the store); else the store makes its own. */
  members?: EtcdMembers;
}
export const DEFAULT_RETRY_BUDGET_MS = 9000;

type Call<T> = (client: Etcd3, o: CallOpts) => Promise<T>;
/** A watch open on one endpoint, and how to end it (its owner opens it again, through store.watch). */
interface OpenWatch {
  endpoint: string;
  end: (why: Error) => void;
  close: () => void;
}

export class EtcdStore implements Store {
  readonly backend = 'etcd' as const;
  private compacted = 0;
  private readonly callTimeoutMs: number;
  private readonly retryBudgetMs: number;
  /** Which member each call goes to (shared with the server's other etcd users when given). */
  readonly members: EtcdMembers;
  private readonly ownsMembers: boolean;
  private readonly watches = new Set<OpenWatch>();
  private readonly stopFollowing: () => void;

  constructor(endpoints: string[], tls?: EtcdTls, opts: EtcdStoreOptions = {}) {
    this.ownsMembers = !opts.members;
    this.members = opts.members ?? new EtcdMembers(endpoints, tls, opts);
    this.callTimeoutMs = this.members.callTimeoutMs;
    this.retryBudgetMs = Math.max(opts.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS, this.callTimeoutMs);
    this.stopFollowing = this.members.onMoved(() => this.moveWatches());
  }

  /** Wait until etcd answers, so start-up fails fast with a clear message when it is down. */
  ready(): Promise<void> {
    return this.members.start();
  }

  /** The endpoints now, in the order calls try them (for tests and diagnostics). */
  endpointOrder(): string[] {
    return this.members.order();
  }

  private pick(): string {
    return this.members.pick();
  }

  /**
   * Watches not on the preferred endpoint end, and their owners open them again there (from the
   * revision they had seen: nothing is lost): away from a member marked down, back to the own member.
   */
  private moveWatches(): void {
    const preferred = this.pick();
    for (const w of [...this.watches]) {
      if (w.endpoint !== preferred) w.end(new WatchMovedError(`moving the watch from etcd member ${w.endpoint} to ${preferred}`));
    }
  }

  private deadline(): CallOpts {
    return this.members.deadline();
  }

  /**
   * One call, to the preferred member (members.ts maps unavailability to UnavailableError and marks
   * the member down). OutOfRange is etcd's code for both a compacted and a future revision: the
   * caller, which knows the revision it asked for, tells them apart (outOfRange below).
   */
  private call<T>(fn: Call<T>, o: CallOpts = this.deadline()): Promise<T> {
    return this.members.call(fn, o);
  }

  private retrying<T>(attempt: Call<T>, started = Date.now()): Promise<T> {
    return this.members.retrying(attempt, this.retryBudgetMs, started);
  }

  /** An idempotent read: retried on faults. */
  private read<T>(fn: Call<T>): Promise<T> {
    return this.retrying(fn);
  }

  /** The key now (linearizable), or as of a revision (null if absent then; 'compacted' if no longer readable). */
  private async keyAt(key: string, revision = 0, started?: number): Promise<KeyValue | null | 'compacted'> {
    try {
      const r = await this.retrying((c, o) => c.kv.range({ key: b(key), revision }, o), started);
      return r.kvs.length ? toKv(r.kvs[0]) : null;
    } catch (e) {
      if (e instanceof GRPCOutOfRangeError) return 'compacted';
      throw e;
    }
  }

  /**
   * A transaction that changes `key`. A fault before its answer leaves its outcome unknown: the key is
   * read back and afterUnknownOutcome says whether it was ours, lost, or safe to send again. Returns
   * the transaction's response, or the acknowledged key-value when the lookup proved the write ours.
   */
  private async mutate(key: string, op: Mutation, txn: ITxnRequest): Promise<ITxnResponse | { acknowledged: KeyValue }> {
    const started = Date.now();
    for (;;) {
      let fault: UnavailableError;
      try {
        return await this.call((c, o) => c.kv.txn(txn, o));
      } catch (e) {
        if (!(e instanceof UnavailableError)) throw e;
        fault = e;
      }
      let d: Decision;
      try {
        const history: (KeyValue | null | 'compacted')[] = [await this.keyAt(key, 0, started)];
        d = afterUnknownOutcome(op, history);
        while (d.do === 'read') {
          history.push(await this.keyAt(key, d.revision, started));
          d = afterUnknownOutcome(op, history);
        }
      } catch (e) {
        if (e instanceof UnavailableError) throw new UnavailableError(`${fault.message} (the outcome of this write is unknown: etcd did not answer the read-back either)`);
        throw e;
      }
      switch (d.do) {
        case 'acknowledge':
          return { acknowledged: { ...d.kv, key } };
        case 'exists':
          throw new KeyExistsError(key);
        case 'conflict':
          throw new ConflictError(key, d.modRevision);
        case 'unknown':
          throw new UnavailableError(`${fault.message} (the outcome of this write is unknown: ${d.why})`);
        case 'retry':
          // Not applied (the key is still at the expected revision): the same compare lets at most one through.
          if (Date.now() - started >= this.retryBudgetMs) throw fault;
          break;
      }
    }
  }

  async currentRevision(): Promise<number> {
    const r = await this.read((c, o) => c.kv.range({ key: b('/'), limit: 1, count_only: true }, o));
    return Number(r.header.revision);
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | null> {
    const r = await this.read((c, o) => c.kv.range({ key: b(key) }, o));
    return r.kvs.length ? toKv(r.kvs[0]) : null;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    assertInPrefix(prefix, opts.continueKey);
    const from = opts.continueKey ? Buffer.concat([b(opts.continueKey), Buffer.from([0])]) : b(prefix);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const asked = opts.revision && opts.revision > 0 ? opts.revision : 0;
    let r: IRangeResponse;
    try {
      r = await this.read((c, o) => c.kv.range({ key: from, range_end: rangeEnd(prefix), revision: asked, limit }, o));
    } catch (e) {
      if (e instanceof GRPCOutOfRangeError) throw await this.outOfRange(asked);
      throw e;
    }
    const items = r.kvs.map(toKv);
    const revision = asked || Number(r.header.revision);
    const result: ListResult = { items, revision };
    if (r.more && items.length > 0) {
      result.continueKey = items[items.length - 1].key;
      // etcd counts [from, end) with every range anyway: what is left is that count minus this page.
      result.remaining = Number(r.count) - items.length;
    }
    return result;
  }

  /**
   * etcd refused a read at `revision` as out of range: it is either compacted or not reached yet.
   * Decided by comparing with the current revision, not by parsing etcd's message.
   */
  private async outOfRange(revision: number): Promise<Error> {
    const current = await this.currentRevision();
    if (revision > current) return new FutureRevisionError(revision, current);
    return new CompactedError(revision, Math.max(this.compacted, 0));
  }

  async count(prefix: string): Promise<number> {
    const r = await this.read((c, o) => c.kv.range({ key: b(prefix), range_end: rangeEnd(prefix), count_only: true }, o));
    return Number(r.count);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const r = await this.mutate(
      key,
      { kind: 'create', value },
      {
        compare: [{ key: b(key), target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: b(key), value: b(value) } }],
      },
    );
    if ('acknowledged' in r) return r.acknowledged;
    if (!r.succeeded) throw new KeyExistsError(key);
    const rev = Number(r.header.revision);
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const r = await this.mutate(
      key,
      { kind: 'update', value, expectedRevision },
      {
        compare: [{ key: b(key), target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
        success: [{ request_put: { key: b(key), value: b(value), prev_kv: true } }],
        failure: [{ request_range: { key: b(key) } }],
      },
    );
    if ('acknowledged' in r) return r.acknowledged;
    if (!r.succeeded) {
      const cur = r.responses[0]?.response_range?.kvs?.[0];
      if (!cur) throw new NotFoundError(key);
      throw new ConflictError(key, Number(cur.mod_revision));
    }
    const prev = r.responses[0].response_put.prev_kv;
    const rev = Number(r.header.revision);
    return { key, value, createRevision: prev ? Number(prev.create_revision) : rev, modRevision: rev };
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const compare = expectedRevision !== undefined ? [{ key: b(key), target: 'Mod' as const, result: 'Equal' as const, mod_revision: expectedRevision }] : [{ key: b(key), target: 'Create' as const, result: 'Greater' as const, create_revision: 0 }];
    const r = await this.mutate(
      key,
      { kind: 'delete', expectedRevision },
      {
        compare,
        success: [{ request_delete_range: { key: b(key), prev_kv: true } }],
        failure: [{ request_range: { key: b(key) } }],
      },
    );
    // A delete is never acknowledged from a read-back (afterUnknownOutcome retries or gives up).
    if ('acknowledged' in r) throw new Error('unreachable: a delete acknowledged from a read-back');
    if (!r.succeeded) {
      const cur = r.responses[0]?.response_range?.kvs?.[0];
      if (!cur) throw new NotFoundError(key);
      throw new ConflictError(key, Number(cur.mod_revision));
    }
    const prev = r.responses[0].response_delete_range.prev_kvs[0];
    if (!prev) throw new NotFoundError(key);
    return { ...toKv(prev), modRevision: Number(r.header.revision) };
  }

  watch(prefix: string, opts: WatchOptions): Watcher {
    if (opts.afterRevision < this.compacted) throw new CompactedError(opts.afterRevision, this.compacted);
    let closed = false;
    let w: Awaited<ReturnType<ReturnType<Etcd3['watch']>['create']>> | undefined;
    // The watch runs on the preferred member; with several, it ends when that member fails or is no
    // longer preferred (moveWatches), and its owner opens it again from the revision it had seen.
    const endpoint = this.pick();
    const open: OpenWatch = { endpoint, end: (why) => fail(why), close: () => close() };
    let connectTimer: NodeJS.Timeout | undefined;
    const fail = (err: Error) => {
      if (closed) return;
      closed = true;
      this.watches.delete(open);
      clearTimeout(connectTimer);
      void w?.cancel().catch(ignoreError('cancelling a watch that failed or was closed'));
      void this.watchFailure(opts.afterRevision, err).then((e) => opts.onError?.(e));
    };
    this.watches.add(open);
    if (this.members.size > 1) {
      // etcd3 reconnects a watch to its one endpoint for ever: with other members to go to, one that
      // does not start in time marks its member down and ends (to be opened again elsewhere).
      connectTimer = setTimeout(
        () => {
          if (w || closed) return;
          this.members.markDown(endpoint, 'a watch did not start in time');
          fail(new UnavailableError(`etcd member ${endpoint} did not start a watch in time`));
        },
        Math.max(2 * this.callTimeoutMs, 1000),
      );
      connectTimer.unref();
    }
    this.members
      .client(endpoint)
      .watch()
      .prefix(prefix)
      .startRevision(String(opts.afterRevision + 1))
      .withPreviousKV()
      .create()
      .then((watcher) => {
        w = watcher;
        clearTimeout(connectTimer);
        if (closed) {
          void watcher.cancel().catch(ignoreError('cancelling a watch that failed or was closed'));
          return;
        }
        watcher.on('data', (res) => {
          if (closed || !res.events?.length) return;
          const events: WatchEvent[] = res.events.map((e) => {
            const prevKv = e.prev_kv ? toKv(e.prev_kv) : undefined;
            if (e.type === 'Delete') {
              return { type: 'delete', kv: { ...(prevKv ?? toKv(e.kv)), key: e.kv.key.toString(), modRevision: Number(e.kv.mod_revision) }, prevKv };
            }
            return { type: 'put', kv: toKv(e.kv), prevKv };
          });
          opts.onEvents(events);
        });
        watcher.on('error', (err) => fail(err));
        watcher.on('disconnected', (err: Error) => {
          // One member: etcd3 reconnects and resumes the watch itself, as before. Several: go elsewhere.
          if (this.members.size < 2) return;
          this.members.markDown(endpoint, err.message);
          fail(err);
        });
      })
      .catch((err: Error) => fail(err));
    const close = () => {
      if (closed) return;
      closed = true;
      this.watches.delete(open);
      clearTimeout(connectTimer);
      void w?.cancel().catch(ignoreError('cancelling a watch that failed or was closed'));
    };
    return { close };
  }

  /**
   * etcd cancels a watch whose start revision was compacted with nothing but a reason string; rather
   * than parse it, ask etcd whether that revision is still readable.
   */
  private async watchFailure(after: number, err: Error): Promise<Error> {
    try {
      await this.call((c, o) => c.kv.range({ key: b('/'), limit: 1, count_only: true, revision: after + 1 }, o));
      return err;
    } catch (e) {
      if (!(e instanceof GRPCOutOfRangeError)) return err;
      const why = await this.outOfRange(after + 1).catch(() => err);
      return why instanceof CompactedError ? new CompactedError(after, why.compacted) : err;
    }
  }

  async compact(revision: number): Promise<void> {
    if (revision <= this.compacted) return;
    try {
      // Physical compaction of a large history can take a while: a longer deadline, not retried.
      await this.call((c, o) => c.kv.compact({ revision, physical: true }, o), { deadline: Date.now() + Math.max(this.callTimeoutMs, 60_000) });
    } catch (e) {
      if (e instanceof GRPCOutOfRangeError) {
        const err = await this.outOfRange(revision);
        if (err instanceof FutureRevisionError) throw err;
      } else if (!(e instanceof CompactedError)) {
        throw e;
      }
      // already compacted past it: fine
    }
    this.compacted = revision;
  }

  async close(): Promise<void> {
    this.stopFollowing();
    for (const w of [...this.watches]) w.close();
    if (this.ownsMembers) this.members.close();
  }
}
