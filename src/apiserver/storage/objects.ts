// The objects of one kind in the store: typed get/list/create/update/delete over keys, with store
// errors mapped to the Status errors clients expect, and a retrying read-modify-write.

import type { KindDef, KObject } from '../../api/kind.js';
import { type KeyValue, type Store, StoreError, type FutureRevisionError } from '../../store/types.js';
import { ApiError, alreadyExists, conflict, gone, notFound, tooLarge, tooLargeResourceVersion, unavailable } from '../../api/errors.js';
import { checkJsonSize, isStoreSizeRefusal, MAX_OBJECT_BYTES, MAX_STORED_OBJECT_BYTES } from '../object-size.js';

/** Room for the rest of an etcd put or transaction (compare, request framing) beside key and value. */
const ETCD_REQUEST_OVERHEAD = 1024;
import { applySchemaDefaults } from '../../api/defaults.js';
import { decode, encode, withResourceVersion } from './codec.js';
import { storedJsonWithResourceVersion } from './stored-json.js';
import { collectionPrefix, objectKey } from './keys.js';
import { versionViewOf, type VersionView } from './versions.js';
import { cloneJson } from '../../util/clone-json.js';

export interface Stored {
  obj: KObject;
  revision: number;
  /** Stored with an old encryption key (KeyValue.stale): rewrite it even when nothing changed. */
  stale?: boolean;
}

export interface ListPage {
  items: KObject[];
  revision: number;
  continueKey?: string;
  remaining?: number;
}

const ref = (def: KindDef) => ({ group: def.group, resource: def.plural });

/** What create and update returned (see written), with the text they stored, weakly: for answers. */
const writtenValues = new WeakMap<KObject, { value: string; revision: number }>();

/** An object create or update just returned, as JSON (the stored text with the revision spliced
 *  in): encoding it again would be a whole pass. Only for answering with the object as returned (a
 *  changed object would not match its text). */
export function writtenJsonOf(obj: KObject): string | undefined {
  const w = writtenValues.get(obj);
  return w && storedJsonWithResourceVersion(w.value, w.revision);
}

export class Objects {
  /** Set for kinds served at several versions: what is read is converted to def's version, what is written to storage's. */
  readonly view: VersionView | undefined;

  constructor(
    readonly store: Store,
    readonly def: KindDef,
  ) {
    this.view = versionViewOf(def);
  }

  /** A stored value as def's version. */
  private out(kv: KeyValue): KObject | Promise<KObject> {
    if (this.view?.async) return this.outAll([kv]).then((o) => o[0]);
    const obj = decode(kv);
    return this.defaulted(this.view ? this.view.fromStorage(obj) : obj);
  }

  /** Stored values as def's version: a conversion that calls out (a webhook) gets them in one batch, as Kubernetes sends a list page. */
  private async outAll(kvs: KeyValue[], turn?: () => Promise<void> | undefined): Promise<KObject[]> {
    const objs: KObject[] = [];
    for (const kv of kvs) {
      if (turn) await turn();
      objs.push(decode(kv));
    }
    if (!this.view) return objs.map((o) => this.defaulted(o));
    const out = this.view.async ? await this.view.fromStorageAll(objs) : objs.map((o) => this.view!.fromStorage(o));
    return out.map((o) => this.defaulted(o));
  }

  private defaulted(obj: KObject): KObject {
    // Kubernetes defaults custom resources read from storage too: defaults added to a CRD's schema
    // show on objects stored before (decode made a fresh object, so this changes nothing shared).
    if (this.def.custom) applySchemaDefaults(this.def.schema, obj);
    return obj;
  }

  /** An object of def's version encoded as stored. */
  private in(obj: KObject): string | Promise<string> {
    if (this.view?.async) return this.view.toStorageAsync(obj).then(encode);
    return encode(this.view ? this.view.toStorage(obj) : obj);
  }

  key(namespace: string | undefined, name: string) {
    return objectKey(this.def, namespace, name);
  }

  prefix(namespace?: string) {
    return collectionPrefix(this.def, namespace);
  }

  /** opts.turn: a checkpoint (context.ts, sliceTurn) between reading the value and decoding it. */
  async get(namespace: string | undefined, name: string, opts: { turn?: () => Promise<void> | undefined } = {}): Promise<Stored | null> {
    const kv = await this.read(namespace, name);
    if (!kv) return null;
    if (opts.turn) await opts.turn();
    const obj = await this.out(kv);
    return kv.stale ? { obj, revision: kv.modRevision, stale: true } : { obj, revision: kv.modRevision };
  }

  /**
   * The object's JSON as a client reads it, from the stored text without decoding it
   * (stored-json.ts); null when it does not exist, undefined when it has to be decoded (a version
   * conversion or storage defaulting applies, or the text is not as encode() writes it).
   */
  async getJson(namespace: string | undefined, name: string): Promise<{ json: string; revision: number } | null | undefined> {
    if (this.view || this.def.custom) return undefined;
    const kv = await this.read(namespace, name);
    if (!kv) return null;
    const json = storedJsonWithResourceVersion(kv.value, kv.modRevision);
    return json === undefined ? undefined : { json, revision: kv.modRevision };
  }

  /** The stored value of one object, undecoded. */
  private read(namespace: string | undefined, name: string): Promise<KeyValue | null> {
    return this.wrap(() => this.store.get(this.key(namespace, name)), name);
  }

  async mustGet(namespace: string | undefined, name: string, opts: { turn?: () => Promise<void> | undefined } = {}): Promise<Stored> {
    const s = await this.get(namespace, name, opts);
    if (!s) throw notFound(ref(this.def), name);
    return s;
  }

  /**
   * opts.turn: a checkpoint (context.ts, sliceTurn) awaited between decoding one item and the next,
   * so a page of large objects (six 3 MiB pods are a 100 ms parse) is decoded in several turns.
   */
  async list(namespace: string | undefined, opts: { revision?: number; limit?: number; continueKey?: string; turn?: () => Promise<void> | undefined } = {}): Promise<ListPage> {
    const { turn, ...read } = opts;
    const r = await this.wrap(() => this.store.list(this.prefix(namespace), read), '');
    return { items: await this.outAll(r.items, turn), revision: r.revision, continueKey: r.continueKey, remaining: r.remaining };
  }

  /** opts.turn: a checkpoint (context.ts, sliceTurn) between encoding the object and writing it
   *  (the store's commit of a large value is a pass of its own: it should not share the encode's turn). */
  async create(obj: KObject, opts: { turn?: () => Promise<void> | undefined } = {}): Promise<KObject> {
    const name = obj.metadata!.name!;
    const key = this.key(obj.metadata!.namespace, name);
    const value = this.fitting(key, await this.in(obj));
    if (opts.turn) await opts.turn();
    const kv = await this.wrap(() => this.store.create(key, value), name);
    return this.written(obj, kv, value);
  }

  /** opts.turn: as for create. */
  async update(obj: KObject, expectedRevision: number, opts: { turn?: () => Promise<void> | undefined } = {}): Promise<KObject> {
    const name = obj.metadata!.name!;
    const key = this.key(obj.metadata!.namespace, name);
    const value = this.fitting(key, await this.in(obj));
    if (opts.turn) await opts.turn();
    const kv = await this.wrap(() => this.store.update(key, value, expectedRevision), name);
    return this.written(obj, kv, value);
  }

  /**
   * What a create or update stored, as read back: the object just encoded with the store's revision
   * as its resourceVersion. Decoding the value just written would give the same object and cost a
   * whole parse (tens of milliseconds on a large pod). Kinds read through a version conversion or
   * storage defaulting are read back for real. The caller hands `obj` over: it is not copied. The
   * stored text is kept beside it for an answer (writtenJsonOf), spliced only if one is sent.
   */
  private written(obj: KObject, kv: KeyValue, value: string): KObject | Promise<KObject> {
    if (this.view || this.def.custom) return this.out(kv);
    const out = { ...obj, metadata: withResourceVersion(obj.metadata ?? {}, String(kv.modRevision)) };
    writtenValues.set(out, { value, revision: kv.modRevision });
    return out;
  }

  async delete(namespace: string | undefined, name: string, expectedRevision?: number): Promise<KObject> {
    const kv = await this.wrap(() => this.store.delete(this.key(namespace, name), expectedRevision), name);
    return this.out(kv);
  }

  /**
   * Read-modify-write that retries on conflicting writes by others. `mutate` gets a fresh copy each
   * time and returns the new object, or null to leave it as is. Errors from mutate propagate.
   */
  async guaranteedUpdate(namespace: string | undefined, name: string, mutate: (current: KObject, revision: number) => Promise<KObject | null> | KObject | null, attempts = 10): Promise<{ obj: KObject; changed: boolean }> {
    for (let i = 0; ; i++) {
      const cur = await this.mustGet(namespace, name);
      const next = await mutate(cloneJson(cur.obj), cur.revision);
      if (!next) return { obj: cur.obj, changed: false };
      try {
        return { obj: await this.update(next, cur.revision), changed: true };
      } catch (e) {
        if (e instanceof ApiError && e.reason === 'Conflict' && i < attempts) continue;
        throw e;
      }
    }
  }

  /**
   * An encoded object the store can take: nothing over the stored-object limit (every write path
   * ends here, and the text is measured where it is made, not by encoding the object once more), and
   * for etcd nothing over its request limit. etcd refuses requests over 1.5 MiB (its default
   * --max-request-bytes), and one refused at its gRPC layer broke the client's connection for every
   * later request, so such writes are 413 before they are sent. SQLite has no such limit.
   */
  private fitting(key: string, value: string): string {
    checkJsonSize(value, MAX_STORED_OBJECT_BYTES);
    if (this.store.backend === 'etcd' && Buffer.byteLength(value) + Buffer.byteLength(key) + ETCD_REQUEST_OVERHEAD > MAX_OBJECT_BYTES) throw tooLarge(MAX_OBJECT_BYTES);
    return value;
  }

  /** Runs a store call, mapping store errors to API errors. */
  private async wrap<T>(fn: () => Promise<T>, name: string): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      // The store's own size limit (etcd's) is the client's problem to fix: 413 as Kubernetes answers, not 500.
      if (isStoreSizeRefusal(e)) throw tooLarge(MAX_OBJECT_BYTES);
      if (!(e instanceof StoreError)) throw e;
      switch (e.code) {
        case 'KeyExists':
          throw alreadyExists(ref(this.def), name);
        case 'NotFound':
          throw notFound(ref(this.def), name);
        case 'Conflict':
          throw conflict(ref(this.def), name, 'the object has been modified; please apply your changes to the latest version and try again');
        case 'Compacted':
          throw gone(`too old resource version: ${e.message}`);
        case 'FutureRevision': {
          const f = e as FutureRevisionError;
          throw tooLargeResourceVersion(f.requested, f.current);
        }
        case 'Unavailable':
          throw unavailable(`storage is unavailable: ${e.message}`);
      }
    }
  }
}
