// The Store contract: Kubernetes' view of etcd, narrowed to what the API server needs.
// One global, monotonic revision numbers every write; it is the objects' resourceVersion.
// Both backends (sqlite/, etcd/) implement this and pass store/contract.ts.

/** One key's value at one revision. `value` is the serialized object (JSON text). */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the write that created this key (since its last delete). */
  createRevision: number;
  /** Revision of the last write to this key. */
  modRevision: number;
  /**
   * Set by a transforming store (encryption/) when the value was stored in a form it would no longer
   * write (an older encryption key, or plain): an update that changes nothing must still write it,
   * as Kubernetes' GuaranteedUpdate does, so rewriting every object rotates keys.
   */
  stale?: boolean;
}

export interface ListOptions {
  /**
   * List as of this revision (0 or absent: the newest). Older than the compacted revision:
   * CompactedError; newer than the newest: FutureRevisionError.
   */
  revision?: number;
  /** At most this many items (0 or absent: all). */
  limit?: number;
  /** Start strictly after this key (from a previous page's `continueKey`). */
  continueKey?: string;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the list was read at; pass it back with continueKey to read the next page consistently. */
  revision: number;
  /** Present when more items remain: the last key of this page. */
  continueKey?: string;
  /**
   * How many keys remain after this page, only where the backend knows it for free (etcd counts its
   * range anyway; SQLite would have to scan the rest, making paging quadratic, so it leaves it out).
   */
  remaining?: number;
}

export type WatchEventType = 'put' | 'delete';

export interface WatchEvent {
  type: WatchEventType;
  /** For put: the new value. For delete: the key with the deleted value and modRevision = the delete's revision. */
  kv: KeyValue;
  /** The value before this event, when there was one. */
  prevKv?: KeyValue;
}

export interface Watcher {
  /** Stop delivering events; idempotent. */
  close(): void;
}

export interface WatchOptions {
  /**
   * Deliver every event with revision > afterRevision, in revision order, then live ones.
   * If afterRevision < compacted revision: CompactedError (thrown synchronously or via onError).
   */
  afterRevision: number;
  onEvents: (events: WatchEvent[]) => void;
  /** The watch ended abnormally (backend lost, compacted while catching up). No more events follow. */
  onError?: (err: Error) => void;
}

export interface Store {
  readonly backend: 'sqlite' | 'etcd';
  /** The newest revision. */
  currentRevision(): Promise<number>;
  get(key: string): Promise<KeyValue | null>;
  /** Keys with this prefix, in key order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Count of keys with this prefix at the newest revision. */
  count(prefix: string): Promise<number>;
  /** Create; KeyExistsError when the key exists. Resolves once durable, with the new revision. */
  create(key: string, value: string): Promise<KeyValue>;
  /** Replace if modRevision still equals expectedRevision; else ConflictError (or NotFoundError). */
  update(key: string, value: string, expectedRevision: number): Promise<KeyValue>;
  /** Delete if modRevision equals expectedRevision (when given). Resolves with the deleted value, modRevision = delete revision. */
  delete(key: string, expectedRevision?: number): Promise<KeyValue>;
  watch(prefix: string, opts: WatchOptions): Watcher;
  /** Forget history at or below this revision; watches and lists from before it get CompactedError. */
  compact(revision: number): Promise<void>;
  /** The revision below which history is gone. */
  compactedRevision(): Promise<number>;
  close(): Promise<void>;
}

/** Errors carry a code so callers map them to HTTP statuses without instanceof chains across packages. */
export class StoreError extends Error {
  constructor(
    readonly code: 'KeyExists' | 'NotFound' | 'Conflict' | 'Compacted' | 'FutureRevision' | 'Unavailable',
    message: string,
    readonly key?: string,
  ) {
    super(message);
    this.name = `Store${code}Error`;
  }
}
export class KeyExistsError extends StoreError {
  constructor(key: string) {
    super('KeyExists', `key ${key} already exists`, key);
  }
}
export class NotFoundError extends StoreError {
  constructor(key: string) {
    super('NotFound', `key ${key} not found`, key);
  }
}
export class ConflictError extends StoreError {
  constructor(
    key: string,
    readonly actualRevision: number,
  ) {
    super('Conflict', `key ${key} was modified (now at revision ${actualRevision})`, key);
  }
}
export class CompactedError extends StoreError {
  constructor(
    readonly requested: number,
    readonly compacted: number,
  ) {
    super('Compacted', `revision ${requested} has been compacted (oldest available is ${compacted + 1})`);
  }
}
/** A read at a revision the store has not reached yet (a client ahead of this store, or a forged resourceVersion). */
export class FutureRevisionError extends StoreError {
  constructor(
    readonly requested: number,
    readonly current: number,
  ) {
    super('FutureRevision', `revision ${requested} is in the future (current is ${current})`);
  }
}
export class UnavailableError extends StoreError {
  constructor(message: string) {
    super('Unavailable', message);
  }
}

/**
 * A watch ended because the store moves it to another etcd member (its member failed, or a member
 * it prefers answers again): its owner opens it again from where it was, as after any watch error,
 * but nothing is wrong (the store logs the member change once).
 */
export class WatchMovedError extends UnavailableError {}

/**
 * A continue key must lie inside the listed prefix: one outside it would start the range among other
 * resources' keys. The API server validates tokens first; this is the store's own last line.
 */
export function assertInPrefix(prefix: string, continueKey: string | undefined) {
  if (continueKey !== undefined && !continueKey.startsWith(prefix)) throw new RangeError(`continue key ${JSON.stringify(continueKey)} is outside ${JSON.stringify(prefix)}`);
}
