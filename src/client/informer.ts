// An informer: a cache of one resource kept current by list + watch, with Kubernetes' reflector
// semantics (watch from the list's resourceVersion, relist on 410 Gone, reconnect with jittered
// exponential back-off, a watch cut by its connection resumed from the last resourceVersion), secondary indexes, and handlers for adds, updates and deletes.
//
// Cached objects are frozen and shared by every handler and reader (see freeze.ts): copy before
// changing one. Informers are normally obtained from an InformerFactory (informer-factory.ts), which
// keeps one per (resource, namespace, selector) per process.

import type { KObject } from '../api/kind.js';
import type { Logger } from '../util/log.js';
import { Backoff } from './backoff.js';
import { deepFreeze } from './freeze.js';
import { Indexer, keyOf, type IndexFunc } from './indexer.js';
import { isGone, type ResourceRef, type RestClient } from './rest.js';

export { keyOf };

export interface Handlers {
  onAdd?(obj: KObject): void;
  onUpdate?(old: KObject, obj: KObject): void;
  onDelete?(obj: KObject): void;
}

/** What addHandlers returns: remove() stops the deliveries to these handlers. */
export interface Registration {
  remove(): void;
}

/** The read side of an informer that consumers use (a shared informer or a consumer's view of one). */
export interface InformerLike {
  readonly resource: ResourceRef;
  addHandlers(h: Handlers): Registration;
  addIndexers(indexers: Record<string, IndexFunc>): void;
  list(): KObject[];
  get(key: string): KObject | undefined;
  byIndex(index: string, value: string): KObject[];
  /** Values of an index that have objects (e.g. every node some pod is bound to). */
  indexValues(index: string): string[];
  hasSynced(): boolean;
  waitForSync(): Promise<void>;
}

export class Informer implements InformerLike {
  private cache = new Indexer();
  private handlers: Handlers[] = [];
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private started = false;
  private stopped = false;
  private current?: { abort(): void };
  private wakeSleep?: () => void;
  private rv = '';
  private backoff = new Backoff({ baseMs: 100, maxMs: 30_000 });

  /** query: extra list/watch parameters, e.g. { fieldSelector: 'spec.nodeName=n1' } for an agent's own pods. */
  constructor(
    private client: RestClient,
    readonly resource: ResourceRef,
    private log: Logger,
    private namespace?: string,
    private query: Record<string, string> = {},
  ) {}

  /** Handlers registered after objects arrived get a synthetic add for each of them first. */
  addHandlers(h: Handlers): Registration {
    this.handlers.push(h);
    for (const o of this.cache.values()) h.onAdd?.(o);
    return {
      remove: () => {
        const i = this.handlers.indexOf(h);
        if (i >= 0) this.handlers.splice(i, 1);
      },
    };
  }

  addIndexers(indexers: Record<string, IndexFunc>) {
    this.cache.addIndexers(indexers);
  }

  list(): KObject[] {
    return [...this.cache.values()];
  }

  get(key: string): KObject | undefined {
    return this.cache.get(key);
  }

  byIndex(index: string, value: string): KObject[] {
    return this.cache.byIndex(index, value);
  }

  indexValues(index: string): string[] {
    return this.cache.indexValues(index);
  }

  get size() {
    return this.cache.size;
  }

  hasSynced() {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r));
  }

  /** Starts once; a stopped informer never starts again. */
  start() {
    if (this.started || this.stopped) return;
    this.started = true;
    void this.run();
  }

  stop() {
    this.stopped = true;
    this.current?.abort();
    this.current = undefined;
    this.wakeSleep?.();
  }

  get isStopped() {
    return this.stopped;
  }

  private async relist() {
    const items: KObject[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.list(this.resource, this.namespace, { ...this.query, limit: '500', ...(cont ? { continue: cont } : {}) });
      if (this.stopped) return;
      items.push(...page.items);
      cont = page.metadata.continue;
      rv = page.metadata.resourceVersion;
    } while (cont);
    const fresh = new Map(items.map((o) => [keyOf(o), deepFreeze(o)]));
    for (const [k, old] of [...this.cache.entries()]) {
      if (fresh.has(k)) continue;
      this.cache.delete(k);
      this.emit('delete', old);
    }
    for (const [k, o] of fresh) {
      const old = this.cache.set(k, o);
      if (!old) this.emit('add', o);
      else if (old.metadata?.resourceVersion !== o.metadata?.resourceVersion) this.emit('update', o, old);
    }
    this.rv = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private emit(type: 'add' | 'update' | 'delete', o: KObject, old?: KObject) {
    // A copy of the list: a handler may remove itself (a controller stopping) during delivery.
    for (const h of [...this.handlers]) {
      try {
        if (type === 'add') h.onAdd?.(o);
        else if (type === 'update') h.onUpdate?.(old!, o);
        else h.onDelete?.(o);
      } catch (e) {
        this.log.error('informer handler failed', { resource: this.resource.plural, err: e });
      }
    }
  }

  private onWatchEvent(e: { type: string; object: KObject }, relist: () => void) {
    if (this.stopped) return;
    if (e.type === 'ERROR') {
      if ((e.object as { code?: number }).code === 410) relist();
      return;
    }
    const rv = e.object.metadata?.resourceVersion;
    if (rv) this.rv = rv;
    if (e.type === 'BOOKMARK') return;
    const o = deepFreeze(e.object);
    const k = keyOf(o);
    if (e.type === 'DELETED') {
      this.cache.delete(k);
      this.emit('delete', o);
    } else {
      const old = this.cache.set(k, o);
      if (old) this.emit('update', o, old);
      else this.emit('add', o);
    }
  }

  private sleep(ms: number) {
    return new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      this.wakeSleep = () => {
        clearTimeout(t);
        r();
      };
    });
  }

  private async run() {
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) await this.relist();
        // stop() may have been called while the list was in flight: open no watch after it.
        if (this.stopped) return;
        needList = false;
        const w = this.client.watch(this.resource, this.namespace, { ...this.query, resourceVersion: this.rv, allowWatchBookmarks: 'true', timeoutSeconds: String(300 + Math.floor(Math.random() * 300)) }, (e) => this.onWatchEvent(e, () => (needList = true)));
        this.current = w;
        await w.done;
        this.current = undefined;
        this.backoff.reset();
      } catch (e) {
        this.current = undefined;
        if (this.stopped) return;
        // A watch cut by its connection (its server died, the client fails over to another) resumes
        // from the last resourceVersion, as client-go's reflector does: every server of the cluster
        // serves the same revisions, so nothing is missed and no relist is needed. An answer from the
        // server (410 Gone above all), a garbled stream or a failed list means listing again.
        const connectionCut = typeof (e as { code?: unknown }).code === 'string';
        if (!connectionCut || this.rv === '') needList = true;
        if (!isGone(e)) {
          const delay = this.backoff.next();
          this.log.debug('list/watch failed; retrying', { resource: this.resource.plural, err: e, backoffMs: delay });
          await this.sleep(delay);
        }
      }
    }
  }
}
