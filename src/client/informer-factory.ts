// A shared informer factory (client-go's SharedInformerFactory): one list + watch and one cache per
// (resource, namespace, query) per process, however many consumers ask for it. Consumers take a
// scope (one per controller, scheduler, DNS server, ...): informers reached through a scope are
// reference-counted and started by scope.start(); scope.close() removes that consumer's handlers and
// references, and an informer nobody references any more is stopped and dropped, so a controller
// manager that loses its lease stops watching while a scheduler in the same process keeps its caches.
//
// Cached objects are frozen and shared, never copied per consumer: copy before mutating.

import type { KObject } from '../api/kind.js';
import type { Logger } from '../util/log.js';
import type { IndexFunc } from './indexer.js';
import { Informer, type Handlers, type InformerLike, type Registration } from './informer.js';
import type { ResourceRef, RestClient } from './rest.js';

export interface InformerOptions {
  namespace?: string;
  /** List/watch parameters such as fieldSelector or labelSelector: part of the informer's identity. */
  query?: Record<string, string>;
}

const identity = (r: ResourceRef, o: InformerOptions) => JSON.stringify([r.group, r.version, r.plural, o.namespace ?? '', Object.entries(o.query ?? {}).sort()]);

interface Entry {
  informer: Informer;
  options: InformerOptions;
  refs: number;
}

export class InformerFactory {
  private entries = new Map<string, Entry>();
  private stopped = false;

  constructor(
    readonly client: RestClient,
    private log: Logger,
  ) {}

  /** A consumer's handle on the factory; close it when the consumer stops. */
  scope(name: string): InformerScope {
    return new InformerScope(this, name);
  }

  /** @internal (InformerScope) The shared informer for r, one more reference to it. */
  acquire(r: ResourceRef, o: InformerOptions): Informer {
    if (this.stopped) throw new Error('informer factory is stopped');
    const id = identity(r, o);
    let e = this.entries.get(id);
    if (!e) {
      e = { informer: new Informer(this.client, r, this.log.child({ informer: r.plural, ...(o.namespace ? { namespace: o.namespace } : {}), ...(o.query ?? {}) }), o.namespace, o.query ?? {}), options: o, refs: 0 };
      this.entries.set(id, e);
    }
    e.refs++;
    return e.informer;
  }

  /** @internal (InformerScope) One reference fewer; the last one stops the informer. */
  release(informer: Informer) {
    for (const [id, e] of this.entries) {
      if (e.informer !== informer) continue;
      if (--e.refs > 0) return;
      this.entries.delete(id);
      informer.stop();
      return;
    }
  }

  /** Informers currently kept (each one list + one watch), for tests and metrics. */
  informers(): { resource: string; namespace?: string; query: Record<string, string>; consumers: number; synced: boolean }[] {
    return [...this.entries.values()].map((e) => ({ resource: e.informer.resource.plural, namespace: e.options.namespace, query: e.options.query ?? {}, consumers: e.refs, synced: e.informer.hasSynced() }));
  }

  stop() {
    this.stopped = true;
    for (const e of this.entries.values()) e.informer.stop();
    this.entries.clear();
  }
}

/** A scope on the process's shared factory if there is one, else on a private one (stopped with the scope). */
export function informerScope(o: { client: RestClient; informers?: InformerFactory; log: Logger }, name: string): InformerScope {
  if (o.informers) return o.informers.scope(name);
  const own = new InformerFactory(o.client, o.log);
  const scope = own.scope(name);
  scope.onClose(() => own.stop());
  return scope;
}

/** One consumer's view of the factory: the informers it uses, its handlers, its start and stop. */
export class InformerScope {
  private used: Informer[] = [];
  private registrations: Registration[] = [];
  private closed = false;
  private closeWaiters: (() => void)[] = [];

  constructor(
    private factory: InformerFactory,
    readonly name: string,
  ) {}

  get client(): RestClient {
    return this.factory.client;
  }

  /** The shared informer for r (created on first use in the process), seen through this scope. */
  informer(r: ResourceRef, o: InformerOptions = {}, indexers?: Record<string, IndexFunc>): InformerLike {
    if (this.closed) throw new Error(`informer scope ${this.name} is closed`);
    const inf = this.factory.acquire(r, o);
    this.used.push(inf);
    if (indexers) inf.addIndexers(indexers);
    return new ScopedInformer(inf, this);
  }

  /** @internal (ScopedInformer) */
  track(reg: Registration): Registration {
    if (this.closed) {
      reg.remove();
      return reg;
    }
    this.registrations.push(reg);
    return reg;
  }

  /** Start every informer of this scope (informers already running are left as they are). */
  start() {
    if (this.closed) return;
    for (const i of this.used) i.start();
  }

  /** Resolves true once every informer of this scope has synced, or false if the scope closed first. */
  async waitForCacheSync(): Promise<boolean> {
    if (this.closed) return false;
    const closed = new Promise<false>((r) => this.closeWaiters.push(() => r(false)));
    return Promise.race([Promise.all(this.used.map((i) => i.waitForSync())).then(() => !this.closed), closed]);
  }

  /** Run fn when the scope closes (after its handlers and references are gone). */
  onClose(fn: () => void) {
    this.closeWaiters.push(fn);
  }

  get isClosed() {
    return this.closed;
  }

  /** Remove this consumer's handlers and drop its references (informers nobody uses stop). */
  close() {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.registrations.splice(0)) r.remove();
    for (const i of this.used.splice(0)) this.factory.release(i);
    for (const w of this.closeWaiters.splice(0)) w();
  }
}

/** A shared informer as one scope sees it: reads go to the shared cache; handlers are tracked by the scope. */
class ScopedInformer implements InformerLike {
  constructor(
    private inner: Informer,
    private scope: InformerScope,
  ) {}

  get resource() {
    return this.inner.resource;
  }

  addHandlers(h: Handlers): Registration {
    return this.scope.track(this.inner.addHandlers(h));
  }

  addIndexers(indexers: Record<string, IndexFunc>) {
    this.inner.addIndexers(indexers);
  }

  list(): KObject[] {
    return this.inner.list();
  }

  get(key: string) {
    return this.inner.get(key);
  }

  byIndex(index: string, value: string) {
    return this.inner.byIndex(index, value);
  }

  indexValues(index: string) {
    return this.inner.indexValues(index);
  }

  hasSynced() {
    return this.inner.hasSynced();
  }

  waitForSync() {
    return this.inner.waitForSync();
  }
}
