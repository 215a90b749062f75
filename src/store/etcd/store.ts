// The Store on an etcd v3 cluster (for HA control planes): creates and conditional updates are etcd
// transactions comparing create/mod revisions, lists read at one revision with limits, and watches
// are etcd watches from a revision with previous values. etcd's revision is the resourceVersion.

import { Etcd3, GRPCDeadlineExceededError, GRPCOutOfRangeError, GRPCUnavailableError, type IKeyValue, type IRangeResponse } from 'etcd3';
import { assertInPrefix, CompactedError, ConflictError, FutureRevisionError, KeyExistsError, NotFoundError, UnavailableError, type KeyValue, type ListOptions, type ListResult, type Store, type WatchEvent, type WatchOptions, type Watcher } from '../types.js';

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

export class EtcdStore implements Store {
  readonly backend = 'etcd' as const;
  private client: Etcd3;
  private compacted = 0;

  constructor(endpoints: string[], tls?: EtcdTls) {
    this.client = new Etcd3(etcdClientOptions(endpoints, tls));
  }

  /** Wait until etcd answers, so start-up fails fast with a clear message when it is down. */
  async ready(): Promise<void> {
    await this.call(() => this.client.kv.range({ key: b('/'), limit: 1 }));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      // OutOfRange is etcd's code for both a compacted and a future revision: the caller, which knows
      // the revision it asked for, tells them apart (outOfRange below).
      if (e instanceof GRPCOutOfRangeError) throw e;
      if (isUnavailable(e)) throw new UnavailableError(`etcd is unavailable: ${(e as Error).message}`);
      throw e;
    }
  }

  async currentRevision(): Promise<number> {
    const r = await this.call(() => this.client.kv.range({ key: b('/'), limit: 1, count_only: true }));
    return Number(r.header.revision);
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | null> {
    const r = await this.call(() => this.client.kv.range({ key: b(key) }));
    return r.kvs.length ? toKv(r.kvs[0]) : null;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    assertInPrefix(prefix, opts.continueKey);
    const from = opts.continueKey ? Buffer.concat([b(opts.continueKey), Buffer.from([0])]) : b(prefix);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const asked = opts.revision && opts.revision > 0 ? opts.revision : 0;
    let r: IRangeResponse;
    try {
      r = await this.call(() => this.client.kv.range({ key: from, range_end: rangeEnd(prefix), revision: asked, limit }));
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
    const r = await this.call(() => this.client.kv.range({ key: b(prefix), range_end: rangeEnd(prefix), count_only: true }));
    return Number(r.count);
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const r = await this.call(() =>
      this.client.kv.txn({
        compare: [{ key: b(key), target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: b(key), value: b(value) } }],
      }),
    );
    if (!r.succeeded) throw new KeyExistsError(key);
    const rev = Number(r.header.revision);
    return { key, value, createRevision: rev, modRevision: rev };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const r = await this.call(() =>
      this.client.kv.txn({
        compare: [{ key: b(key), target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
        success: [{ request_put: { key: b(key), value: b(value), prev_kv: true } }],
        failure: [{ request_range: { key: b(key) } }],
      }),
    );
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
    const r = await this.call(() =>
      this.client.kv.txn({
        compare,
        success: [{ request_delete_range: { key: b(key), prev_kv: true } }],
        failure: [{ request_range: { key: b(key) } }],
      }),
    );
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
    const fail = (err: Error) => {
      if (closed) return;
      closed = true;
      void w?.cancel().catch(() => {});
      void this.watchFailure(opts.afterRevision, err).then((e) => opts.onError?.(e));
    };
    this.client
      .watch()
      .prefix(prefix)
      .startRevision(String(opts.afterRevision + 1))
      .withPreviousKV()
      .create()
      .then((watcher) => {
        w = watcher;
        if (closed) {
          void watcher.cancel().catch(() => {});
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
      })
      .catch((err: Error) => fail(err));
    return {
      close: () => {
        if (closed) return;
        closed = true;
        void w?.cancel().catch(() => {});
      },
    };
  }

  /**
   * etcd cancels a watch whose start revision was compacted with nothing but a reason string; rather
   * than parse it, ask etcd whether that revision is still readable.
   */
  private async watchFailure(after: number, err: Error): Promise<Error> {
    try {
      await this.client.kv.range({ key: b('/'), limit: 1, count_only: true, revision: after + 1 });
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
      await this.call(() => this.client.kv.compact({ revision, physical: true }));
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
    this.client.close();
  }
}
