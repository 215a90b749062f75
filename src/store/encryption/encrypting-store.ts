// A Store that encrypts the values of the configured resources on the way in and decrypts them on
// the way out, around either backend: gets, lists, watches and the results of writes all carry
// plain values; revisions, compaction and history are the inner store's, untouched. A value no
// provider can open is a 500 for that object (Kubernetes' "Internal error occurred: ..."), and a
// watch event carrying one is dropped (logged), so one bad value never ends a watch of other objects.

import { internalError, tooLarge } from '../../api/errors.js';
import type { Logger } from '../../util/log.js';
import type { KeyValue, ListOptions, ListResult, Store, WatchEvent, WatchOptions, Watcher } from '../types.js';
import type { ValueTransformer } from './transformer.js';

/**
 * etcd's default --max-request-bytes, as apiserver/object-size.ts' MAX_OBJECT_BYTES: the API server
 * checks the plain object against it, but encryption makes a value about a third larger (base64 of
 * the sealed bytes), and a request etcd refuses at its gRPC layer breaks the client's connection.
 */
const ETCD_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
const ETCD_REQUEST_OVERHEAD = 1024;

export class EncryptingStore implements Store {
  readonly backend: Store['backend'];

  constructor(
    readonly inner: Store,
    readonly transformer: ValueTransformer,
    private readonly log?: Logger,
  ) {
    this.backend = inner.backend;
  }

  private open(kv: KeyValue): KeyValue {
    try {
      const opened = this.transformer.fromStorage(kv.key, kv.value);
      return opened.stale ? { ...kv, value: opened.value, stale: true } : { ...kv, value: opened.value };
    } catch (e) {
      throw internalError(new Error(`unable to transform key ${JSON.stringify(kv.key)}: ${(e as Error).message}`));
    }
  }

  private openOrNull(kv: KeyValue): KeyValue | null {
    try {
      return this.open(kv);
    } catch (e) {
      this.log?.warn('a stored value cannot be decrypted; its watch event is dropped', { key: kv.key, revision: kv.modRevision, err: (e as Error).message });
      return null;
    }
  }

  currentRevision() {
    return this.inner.currentRevision();
  }

  async get(key: string): Promise<KeyValue | null> {
    const kv = await this.inner.get(key);
    return kv && this.open(kv);
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const r = await this.inner.list(prefix, opts);
    return { ...r, items: r.items.map((kv) => this.open(kv)) };
  }

  count(prefix: string) {
    return this.inner.count(prefix);
  }

  private sealed(key: string, value: string): string {
    const stored = this.transformer.toStorage(key, value);
    if (this.backend === 'etcd' && stored !== value && Buffer.byteLength(stored) + Buffer.byteLength(key) + ETCD_REQUEST_OVERHEAD > ETCD_MAX_REQUEST_BYTES) throw tooLarge(ETCD_MAX_REQUEST_BYTES);
    return stored;
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const kv = await this.inner.create(key, this.sealed(key, value));
    return { ...kv, value };
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const kv = await this.inner.update(key, this.sealed(key, value), expectedRevision);
    return { ...kv, value };
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const kv = await this.inner.delete(key, expectedRevision);
    // Deleted either way: a value that cannot be opened must not make the delete look failed.
    return this.openOrNull(kv) ?? { ...kv, value: '{}' };
  }

  watch(prefix: string, opts: WatchOptions): Watcher {
    return this.inner.watch(prefix, {
      ...opts,
      onEvents: (events) => {
        const out: WatchEvent[] = [];
        for (const e of events) {
          const kv = this.openOrNull(e.kv);
          if (!kv) continue;
          const prevKv = e.prevKv ? (this.openOrNull(e.prevKv) ?? undefined) : undefined;
          out.push(prevKv ? { ...e, kv, prevKv } : { type: e.type, kv });
        }
        if (out.length) opts.onEvents(out);
      },
    });
  }

  compact(revision: number) {
    return this.inner.compact(revision);
  }

  compactedRevision() {
    return this.inner.compactedRevision();
  }

  close() {
    return this.inner.close();
  }
}
