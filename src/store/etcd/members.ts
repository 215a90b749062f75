// "A working client for this etcd cluster": one etcd3 client per member and the choice of the member
// of each call, shared by everything that talks to a managed etcd (the store, the join handler, the
// learner's promotion, snapshots, `gifee etcd members`), so each fails over the same way.
//
// Each call goes to the first endpoint not marked down (the own member first; endpoints.ts). A fault
// (unavailable, refused, past its deadline) marks that endpoint down, so the retry goes to the next;
// a probe every second brings it back once it answers a linearizable read. A member that hangs
// (SIGSTOP, a machine gone without resetting connections) would only be found out by a call's
// deadline (3 s): a health check asks the preferred member for a serializable read (answered
// locally, leader or not) every 500 ms with a 1 s deadline, and a miss confirmed by a second one
// marks it down and ends the calls waiting on it at once (they are retried or read back elsewhere,
// as after their deadline). The confirmation keeps a stalled event loop here from looking like a
// hung member.

import { Etcd3, GRPCDeadlineExceededError, GRPCUnavailableError, type IOptions } from 'etcd3';
import type { Logger } from '../../util/log.js';
import { UnavailableError } from '../types.js';
import { endpointOrder, endpointsFromMembers } from './endpoints.js';
import { type EtcdTls, etcdClientOptions } from './tls.js';

/**
 * etcd cannot be reached or did not answer in time. etcd3 casts gRPC statuses to typed errors (code 14
 * UNAVAILABLE, which grpc-js also reports for refused connections and "No connection established", and
 * code 4 DEADLINE_EXCEEDED), so this goes by class rather than by message text.
 */
export const isUnavailable = (e: unknown) => e instanceof GRPCUnavailableError || e instanceof GRPCDeadlineExceededError;

export interface EtcdMembersOptions {
  /** Deadline of each call, ms (default 3000). */
  callTimeoutMs?: number;
  /**
   * The first endpoint is this server's own member (managed etcd): the others are learnt from etcd's
   * member list (read at start, every memberRefreshMs and after a fault) and used while it fails.
   */
  discoverMembers?: boolean;
  /** How often the member list is read again, ms (default 10000). */
  memberRefreshMs?: number;
  /** How often an endpoint marked down is asked whether it answers again, ms (default 1000). */
  probeIntervalMs?: number;
  /** How often the preferred member's health is checked, ms (default 500; 0: never, as for a short-lived command). */
  healthIntervalMs?: number;
  /** The health check's deadline, ms (default 1000; its confirmation gets half). */
  healthTimeoutMs?: number;
  /**
   * start() is satisfied by a member that answers at all (a serializable read), leader or not: for
   * commands that must work without quorum (`gifee etcd members` shows what is left). Default: a
   * linearizable read (the store needs a cluster that commits).
   */
  serializableStart?: boolean;
  /** The endpoints after the member list changed them (the server records them for its commands). */
  onEndpoints?: (endpoints: string[]) => void;
  log?: Logger;
}
export const DEFAULT_CALL_TIMEOUT_MS = 3000;

export type CallOpts = { deadline: number };
/** A call on one member's client; `endpoint` says which (a stream's follow-up must stay on it). */
export type MemberCall<T> = (client: Etcd3, o: CallOpts, endpoint: string) => Promise<T>;

const neverAborted = new AbortController().signal;
/** A cockatiel policy that only runs the call: no retry, no circuit breaker (see store.ts). */
const passThrough = {
  execute: async <T>(fn: (ctx: { signal: AbortSignal }) => PromiseLike<T> | T, signal: AbortSignal = neverAborted) => fn({ signal }),
} as unknown as NonNullable<NonNullable<IOptions['faultHandling']>['global']>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const b = (s: string) => Buffer.from(s);

export class EtcdMembers {
  readonly callTimeoutMs: number;
  /** The endpoints in preference order: the own member (or the first configured) first. */
  private endpoints: string[];
  private readonly clients = new Map<string, Etcd3>();
  /** Endpoints whose last call failed (unavailable or past its deadline), with when. */
  private readonly down = new Map<string, number>();
  private readonly probing = new Set<string>();
  /** Calls waiting on each endpoint: ended at once when its health check finds it hanging. */
  private readonly waiting = new Map<string, Set<(e: Error) => void>>();
  private readonly moved = new Set<() => void>();
  private probeTimer?: NodeJS.Timeout;
  private refreshTimer?: NodeJS.Timeout;
  private healthTimer?: NodeJS.Timeout;
  private checking = false;
  private refreshing?: Promise<void>;
  private started?: Promise<void>;
  private closed = false;

  constructor(
    endpoints: string[],
    private readonly tls?: EtcdTls,
    private readonly opts: EtcdMembersOptions = {},
  ) {
    if (endpoints.length === 0) throw new Error('an etcd client needs at least one endpoint');
    this.callTimeoutMs = opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.endpoints = [...new Set(endpoints)];
  }

  /**
   * Waits until a member answers (each configured endpoint once, the preferred first: a failed one
   * is marked down and the next is tried, so a command whose own member hangs loses 1 s, not 3),
   * then reads the member list and starts the health check.
   * Called by each user; the first call does the work.
   */
  start(): Promise<void> {
    this.started ??= (async () => {
      for (let n = 1; ; n++) {
        // With another member to try next, one that does not answer within a health check's deadline is passed over.
        const o = n < this.endpoints.length ? this.deadline(this.opts.healthTimeoutMs ?? 1000) : this.deadline();
        try {
          await this.call((c, co) => c.kv.range({ key: b('/'), limit: 1, serializable: this.opts.serializableStart }, co), o);
          break;
        } catch (e) {
          if (!(e instanceof UnavailableError)) throw e;
          if (n >= this.endpoints.length) throw new UnavailableError(`no etcd member answered (tried ${this.endpoints.join(', ')}): ${e.message}`);
        }
      }
      if (this.opts.discoverMembers) {
        await this.refreshMembers();
        this.refreshTimer = setInterval(() => void this.refreshMembers(), this.opts.memberRefreshMs ?? 10_000);
        this.refreshTimer.unref();
      }
      const every = this.opts.healthIntervalMs ?? 500;
      if (every > 0) {
        this.healthTimer = setInterval(() => this.checkHealth(), every);
        this.healthTimer.unref();
      }
    })();
    // A failed start may be tried again.
    this.started.catch(() => {
      this.started = undefined;
    });
    return this.started;
  }

  /** How many endpoints there are (one: nowhere to fail over to). */
  get size(): number {
    return this.endpoints.length;
  }

  /** The endpoints now, in the order calls try them. */
  order(): string[] {
    return endpointOrder(this.endpoints, this.down);
  }

  /** The endpoint the next call goes to. */
  pick(): string {
    return this.order()[0];
  }

  /** Called whenever the preferred endpoint may have changed (the store moves its watches). */
  onMoved(fn: () => void): () => void {
    this.moved.add(fn);
    return () => this.moved.delete(fn);
  }

  client(endpoint: string): Etcd3 {
    let c = this.clients.get(endpoint);
    if (!c) {
      if (this.closed) throw new Error('the etcd client is closed');
      c = new Etcd3({ ...etcdClientOptions([endpoint], this.tls), faultHandling: { global: passThrough, host: () => passThrough } });
      this.clients.set(endpoint, c);
    }
    return c;
  }

  /**
   * A call to `endpoint` failed: later calls go to the other members until it answers a probe. With
   * `hanging` (its health check found it not answering at all), the calls waiting on it end now.
   */
  markDown(endpoint: string, why: string, hanging = false): void {
    if (this.closed || this.endpoints.length < 2 || !this.endpoints.includes(endpoint)) return;
    const again = this.down.has(endpoint);
    // Failing again moves it behind the others marked down, so attempts go round them all.
    this.down.set(endpoint, Date.now());
    if (hanging) for (const end of this.waiting.get(endpoint) ?? []) end(new GRPCDeadlineExceededError(`etcd member ${endpoint} hangs (${why})`));
    if (again) return;
    this.opts.log?.warn('etcd member does not answer; calls go to the other members until it does', { endpoint, err: why, next: this.pick() });
    for (const fn of this.moved) fn();
    if (!this.probeTimer) {
      this.probeTimer = setInterval(() => this.probe(), this.opts.probeIntervalMs ?? 1000);
      this.probeTimer.unref();
    }
    // After the read in flight, if any (it may have been the one waiting on this member): a fresh one.
    if (this.opts.discoverMembers) void (this.refreshing ?? Promise.resolve()).then(() => this.refreshMembers());
  }

  private markUp(endpoint: string): void {
    if (!this.down.delete(endpoint)) return;
    this.opts.log?.info('etcd member answers again', { endpoint, preferred: this.pick() === endpoint });
    if (this.down.size === 0) {
      clearInterval(this.probeTimer);
      this.probeTimer = undefined;
    }
    for (const fn of this.moved) fn();
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

  /** Does the preferred member answer at all? Two misses in a row (the second at once, half the deadline) mark it down as hanging. */
  private checkHealth(): void {
    const e = this.pick();
    if (this.closed || this.checking || this.endpoints.length < 2 || this.down.has(e)) return;
    this.checking = true;
    const timeout = this.opts.healthTimeoutMs ?? 1000;
    const ask = (ms: number) => this.client(e).kv.range({ key: b('/'), limit: 1, count_only: true, serializable: true }, { deadline: Date.now() + ms });
    ask(timeout)
      .catch((err) => (isUnavailable(err) ? ask(Math.max(timeout / 2, 100)) : undefined))
      .then(
        () => {},
        (err: Error) => {
          if (isUnavailable(err)) this.markDown(e, `no answer to a health check: ${err.message}`, true);
        },
      )
      .finally(() => {
        this.checking = false;
      });
  }

  /** Reads etcd's member list (own member first) into the endpoints; a failure keeps the ones known. */
  private refreshMembers(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const r = await this.call((c, o) => c.cluster.memberList({ linearizable: true }, o));
        if (this.closed) return;
        const next = endpointsFromMembers(this.endpoints[0], r.members);
        if (next.join(' ') !== this.endpoints.join(' ')) {
          this.opts.log?.info('etcd members', { endpoints: next });
          // Connected now (a serializable read, its answer unused), so a failover does not wait for a TLS handshake.
          for (const e of next)
            if (!this.endpoints.includes(e))
              void this.client(e)
                .kv.range({ key: b('/'), limit: 1, count_only: true, serializable: true }, this.deadline())
                .catch(() => {});
          this.endpoints = next;
          this.opts.onEndpoints?.(next);
        }
        for (const e of [...this.down.keys()]) if (!next.includes(e)) this.down.delete(e);
      } catch {
        // kept as they were; read again on the next timer or fault
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  deadline(ms = this.callTimeoutMs): CallOpts {
    return { deadline: Date.now() + ms };
  }

  /**
   * One call, to the preferred endpoint. Unavailability (a fault, or the health check finding the
   * member hanging meanwhile) becomes UnavailableError and marks that endpoint down, so the next
   * attempt goes to another member; other errors are the caller's to map.
   */
  async call<T>(fn: MemberCall<T>, o: CallOpts = this.deadline()): Promise<T> {
    const endpoint = this.pick();
    let end!: (e: Error) => void;
    const ended = new Promise<never>((_, reject) => {
      end = reject;
    });
    let waiting = this.waiting.get(endpoint);
    if (!waiting) this.waiting.set(endpoint, (waiting = new Set()));
    waiting.add(end);
    try {
      const r = await Promise.race([fn(this.client(endpoint), o, endpoint), ended]);
      if (this.down.has(endpoint)) this.markUp(endpoint);
      return r;
    } catch (e) {
      if (isUnavailable(e)) {
        this.markDown(endpoint, (e as Error).message);
        throw new UnavailableError(`etcd is unavailable: ${(e as Error).message}`);
      }
      throw e;
    } finally {
      waiting.delete(end);
    }
  }

  /**
   * Runs `attempt` until it returns, throws something other than UnavailableError, or `budgetMs` is
   * spent. A fault that came back fast (no leader yet, connection refused) is followed by a pause,
   * 100 ms doubling to 1 s; a deadline already was one, and a fault that moves the next attempt to
   * a member not marked down has none (it is tried at once).
   */
  async retrying<T>(attempt: MemberCall<T>, budgetMs: number, started = Date.now()): Promise<T> {
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
        if (now + pause - started >= budgetMs) throw e;
        await sleep(pause);
      }
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.probeTimer);
    clearInterval(this.refreshTimer);
    clearInterval(this.healthTimer);
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
