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
// Several endpoints: each call goes to the first one not marked down (the own member of a managed
// etcd, whose other members come from etcd's member list; else the first configured). A fault marks
// that endpoint down, so the retry or read-back goes to the next; a probe every second brings it
// back once it answers a linearizable read. Watches follow the preferred endpoint (endpoints.ts).

import { Etcd3, GRPCDeadlineExceededError, GRPCOutOfRangeError, GRPCUnavailableError, type IKeyValue, type IOptions, type IRangeResponse, type ITxnRequest, type ITxnResponse } from 'etcd3';
import { afterUnknownOutcome, type Decision, type Mutation } from './unknown-outcome.js';
import { endpointOrder, endpointsFromMembers } from './endpoints.js';
import type { Logger } from '../../util/log.js';
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

/** Client TLS for etcd (PEM): the CA that signed etcd's serving certificate, and our client certificate. */
export interface EtcdTls {
  ca: string;
  cert: string;
  key: string;
  /**
   * The name checked in etcd's certificate instead of the endpoint's host (a managed etcd's
   * "localhost", which every member certificate of its dedicated CA carries): TLS clients must not
   * send an IP address as SNI, and Node warns when asked to.
   */
  serverName?: string;
}

/** etcd3's options for these endpoints, with client-certificate credentials when TLS is given (https:// endpoints). */
export function etcdClientOptions(endpoints: string[], tls?: EtcdTls) {
  return { hosts: endpoints, dialTimeout: 5000, ...(tls ? { credentials: { rootCertificate: Buffer.from(tls.ca), certChain: Buffer.from(tls.cert), privateKey: Buffer.from(tls.key) } } : {}), ...(tls?.serverName ? { grpcOptions: { 'grpc.ssl_target_name_override': tls.serverName } } : {}) };
}

/**
 * etcd cannot be reached or did not answer in time. etcd3 casts gRPC statuses to typed errors (code 14
 * UNAVAILABLE, which grpc-js also reports for refused connections and "No connection established", and
 * code 4 DEADLINE_EXCEEDED), so this goes by class rather than by message text.
 */
export const isUnavailable = (e: unknown) => e instanceof GRPCUnavailableError || e instanceof GRPCDeadlineExceededError;

/** Per-call deadline and retry budget of the store's etcd calls. */
export interface EtcdStoreOptions {
  /** Deadline of each etcd call, ms (default 3000). */
  callTimeoutMs?: number;
  /** How long one store operation goes on retrying after faults, ms (default 9000). */
  retryBudgetMs?: number;
  /**
   * The first endpoint is this server's own member (managed etcd): the others are learnt from etcd's
   * member list (read at start, every memberRefreshMs and after a fault) and used while it fails.
   */
  discoverMembers?: boolean;
  /** How often the member list is read again, ms (default 10000). */
  memberRefreshMs?: number;
  /** How often an endpoint marked down is asked whether it answers again, ms (default 1000). */
  probeIntervalMs?: number;
  log?: Logger;
}
export const DEFAULT_CALL_TIMEOUT_MS = 3000;
export const DEFAULT_RETRY_BUDGET_MS = 9000;

const neverAborted = new AbortController().signal;
/** A cockatiel policy that only runs the call: no retry, no circuit breaker (see the header). */
const passThrough = {
  execute: async <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T, signal: AbortSignal = neverAborted) => fn({ signal }),
} as unknown as NonNullable<NonNullable<IOptions['faultHandling']>['global']>;

type CallOpts = { deadline: number };
type Call<T> = (client: Etcd3, o: CallOpts) => Promise<T>;
/** A watch open on one endpoint, and how to end it (its owner opens it again, through store.watch). */
interface OpenWatch {
  endpoint: string;
  end: (why: Error) => void;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EtcdStore implements Store {
  readonly backend = 'etcd' as const;
  private compacted = 0;
  private readonly callTimeoutMs: number;
  private readonly retryBudgetMs: number;
  /** The endpoints in preference order: the own member (or the first configured) first. */
  private endpoints: string[];
  /** One client per endpoint, so the store chooses the member of each call (etcd3 picks at random). */
  private readonly clients = new Map<string, Etcd3>();
  /** Endpoints whose last call failed (unavailable or past its deadline), with when. */
  private readonly down = new Map<string, number>();
  private readonly probing = new Set<string>();
  private readonly watches = new Set<OpenWatch>();
  private probeTimer?: NodeJS.Timeout;
  private refreshTimer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private closed = false;

  constructor(
    endpoints: string[],
    private readonly tls?: EtcdTls,
    private readonly opts: EtcdStoreOptions = {},
  ) {
    if (endpoints.length === 0) throw new Error('the etcd store needs at least one endpoint');
    this.callTimeoutMs = opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.retryBudgetMs = Math.max(opts.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS, this.callTimeoutMs);
    this.endpoints = [...new Set(endpoints)];
  }

  /** Wait until etcd answers, so start-up fails fast with a clear message when it is down. */
  async ready(): Promise<void> {
    // Each configured endpoint once, the preferred first (a failed one is marked down: the next goes on).
    for (let n = 1; ; n++) {
      try {
        await this.call((c, o) => c.kv.range({ key: b('/'), limit: 1 }, o));
        break;
      } catch (e) {
        if (!(e instanceof UnavailableError) || n >= this.endpoints.length) throw e;
      }
    }
    if (this.opts.discoverMembers) {
      await this.refreshMembers();
      this.refreshTimer = setInterval(() => void this.refreshMembers(), this.opts.memberRefreshMs ?? 10_000);
      this.refreshTimer.unref();
    }
  }

  /** The endpoints now, in the order calls try them (for tests and diagnostics). */
  endpointOrder(): string[] {
    return endpointOrder(this.endpoints, this.down);
  }

  private client(endpoint: string): Etcd3 {
    let c = this.clients.get(endpoint);
    if (!c) {
      if (this.closed) throw new Error('the etcd store is closed');
      c = new Etcd3({ ...etcdClientOptions([endpoint], this.tls), faultHandling: { global: passThrough, host: () => passThrough } });
      this.clients.set(endpoint, c);
    }
    return c;
  }

  /** The endpoint the next call goes to. */
  private pick(): string {
    return this.endpointOrder()[0];
  }

  /** A call to `endpoint` failed: later calls (and its watches) go to the other members until it answers a probe. */
  private markDown(endpoint: string, why: string): void {
    if (this.closed || this.endpoints.length < 2 || !this.endpoints.includes(endpoint)) return;
    const again = this.down.has(endpoint);
    // Failing again moves it behind the others marked down, so attempts go round them all.
    this.down.set(endpoint, Date.now());
    if (again) return;
    this.opts.log?.warn('etcd member does not answer; calls go to the other members until it does', { endpoint, err: why, next: this.pick() });
    this.moveWatches();
    if (!this.probeTimer) {
      this.probeTimer = setInterval(() => this.probe(), this.opts.probeIntervalMs ?? 1000);
      this.probeTimer.unref();
    }
    if (this.opts.discoverMembers) void this.refreshMembers();
  }

  private markUp(endpoint: string): void {
    if (!this.down.delete(endpoint)) return;
    this.opts.log?.info('etcd member answers again', { endpoint, preferred: this.pick() === endpoint });
    if (this.down.size === 0) {
      clearInterval(this.probeTimer);
      this.probeTimer = undefined;
    }
    this.moveWatches();
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

  /** Asks each endpoint marked down for a linearizable read (it has a leader and has caught up): then it is up again. */
  private probe(): void {
    if (this.closed) return;
    for (const e of this.down.keys()) {
      if (this.probing.has(e)) continue;
      this.probing.add(e);
      this.client(e)
        .kv.range({ key: b('/'), limit: 1, count_only: true }, { deadline: Date.now() + Math.min(this.callTimeoutMs, 2000) })
        .then(
          () => this.markUp(e),
          () => {},
        )
        .finally(() => this.probing.delete(e));
    }
  }

  /** Reads etcd's member list (own member first) into the endpoints; a failure keeps the ones known. */
  private refreshMembers(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const r = await this.call((c, o) => c.cluster.memberList({ linearizable: true }, o));
        if (this.closed) return;
        const next = endpointsFromMembers(this.endpoints[0], r.members);
        if (next.join(' ') !== this.endpoints.join(' ')) this.opts.log?.info('etcd members', { endpoints: next });
        this.endpoints = next;
        for (const e of [...this.down.keys()]) if (!next.includes(e)) this.down.delete(e);
      } catch {
        // kept as they were; read again on the next timer or fault
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private deadline(): CallOpts {
    return { deadline: Date.now() + this.callTimeoutMs };
  }

  /**
   * One call, to the preferred endpoint, its etcd3 errors mapped: unavailability (a fault) becomes
   * UnavailableError, and marks that endpoint down, so the next attempt goes to another member.
   */
  private async call<T>(fn: Call<T>, o: CallOpts = this.deadline()): Promise<T> {
    const endpoint = this.pick();
    try {
      const r = await fn(this.client(endpoint), o);
      if (this.down.has(endpoint)) this.markUp(endpoint);
      return r;
    } catch (e) {
      // OutOfRange is etcd's code for both a compacted and a future revision: the caller, which knows
      // the revision it asked for, tells them apart (outOfRange below).
      if (e instanceof GRPCOutOfRangeError) throw e;
      if (isUnavailable(e)) {
        this.markDown(endpoint, (e as Error).message);
        throw new UnavailableError(`etcd is unavailable: ${(e as Error).message}`);
      }
      throw e;
    }
  }

  /**
   * Runs `attempt` until it returns, throws something other than UnavailableError, or the budget is
   * spent. A fault that came back fast (no leader yet, connection refused) is followed by a pause,
   * 100 ms doubling to 1 s; a deadline already was one, and a fault that moves the next attempt to
   * a member not marked down has none (it is tried at once).
   */
  private async retrying<T>(attempt: Call<T>, started = Date.now()): Promise<T> {
    for (let n = 0; ; n++) {
      const t = Date.now();
      const endpoint = this.pick();
      try {
        return await this.call(attempt);
      } catch (e) {
        if (!(e instanceof UnavailableError)) throw e;
        const now = Date.now();
        const next = this.pick();
        const pause = now - t >= this.callTimeoutMs / 2 || (next !== endpoint && !this.down.has(next)) ? 0 : Math.min(100 * 2 ** n, 1000);
        if (now + pause - started >= this.retryBudgetMs) throw e;
        await sleep(pause);
      }
    }
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
    const open: OpenWatch = { endpoint, end: (why) => fail(why) };
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
    if (this.endpoints.length > 1) {
      // etcd3 reconnects a watch to its one endpoint for ever: with other members to go to, one that
      // does not start in time marks its member down and ends (to be opened again elsewhere).
      connectTimer = setTimeout(
        () => {
          if (w || closed) return;
          this.markDown(endpoint, 'a watch did not start in time');
          fail(new UnavailableError(`etcd member ${endpoint} did not start a watch in time`));
        },
        Math.max(2 * this.callTimeoutMs, 1000),
      );
      connectTimer.unref();
    }
    this.client(endpoint)
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
          if (this.endpoints.length < 2) return;
          this.markDown(endpoint, err.message);
          fail(err);
        });
      })
      .catch((err: Error) => fail(err));
    return {
      close: () => {
        if (closed) return;
        closed = true;
        this.watches.delete(open);
        clearTimeout(connectTimer);
        void w?.cancel().catch(ignoreError('cancelling a watch that failed or was closed'));
      },
    };
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
    this.closed = true;
    clearInterval(this.probeTimer);
    clearInterval(this.refreshTimer);
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
