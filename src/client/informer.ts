// An informer: a cache of one resource kept current by list + watch, with Kubernetes' reflector
// semantics (watch from the list's resourceVersion, relist on 410 Gone, reconnect with backoff) and
// handlers for adds, updates and deletes.

import type { KObject } from '../api/kind.js';
import type { Logger } from '../util/log.js';
import { isGone, type ResourceRef, type RestClient } from './rest.js';

export interface Handlers {
  onAdd?(obj: KObject): void;
  onUpdate?(old: KObject, obj: KObject): void;
  onDelete?(obj: KObject): void;
}

export const keyOf = (o: KObject) => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : `${o.metadata?.name}`);

export class Informer {
  private cache = new Map<string, KObject>();
  private handlers: Handlers[] = [];
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private stopped = false;
  private current?: { abort(): void };
  private rv = '';

  /** query: extra list/watch parameters, e.g. { fieldSelector: 'spec.nodeName=n1' } for an agent's own pods. */
  constructor(private client: RestClient, readonly resource: ResourceRef, private log: Logger, private namespace?: string, private query: Record<string, string> = {}) {}

  addHandlers(h: Handlers) {
    this.handlers.push(h);
    for (const o of this.cache.values()) h.onAdd?.(o);
  }

  list(): KObject[] {
    return [...this.cache.values()];
  }

  get(key: string): KObject | undefined {
    return this.cache.get(key);
  }

  hasSynced() {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((r) => this.syncWaiters.push(r));
  }

  start() {
    void this.run();
  }

  stop() {
    this.stopped = true;
    this.current?.abort();
  }

  private async relist() {
    const items: KObject[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.client.list(this.resource, this.namespace, { ...this.query, limit: '500', ...(cont ? { continue: cont } : {}) });
      items.push(...page.items);
      cont = page.metadata.continue;
      rv = page.metadata.resourceVersion;
    } while (cont);
    const fresh = new Map(items.map((o) => [keyOf(o), o]));
    for (const [k, old] of this.cache) if (!fresh.has(k)) this.emit('delete', old);
    for (const [k, o] of fresh) {
      const old = this.cache.get(k);
      this.cache.set(k, o);
      if (!old) this.emit('add', o);
      else if (old.metadata?.resourceVersion !== o.metadata?.resourceVersion) this.emit('update', o, old);
    }
    for (const k of [...this.cache.keys()]) if (!fresh.has(k)) this.cache.delete(k);
    this.rv = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private emit(type: 'add' | 'update' | 'delete', o: KObject, old?: KObject) {
    for (const h of this.handlers) {
      try {
        if (type === 'add') h.onAdd?.(o);
        else if (type === 'update') h.onUpdate?.(old!, o);
        else h.onDelete?.(o);
      } catch (e) {
        this.log.error('informer handler failed', { resource: this.resource.plural, err: e });
      }
    }
  }

  private async run() {
    let backoff = 100;
    let needList = true;
    while (!this.stopped) {
      try {
        if (needList) await this.relist();
        needList = false;
        const w = this.client.watch(this.resource, this.namespace, { ...this.query, resourceVersion: this.rv, allowWatchBookmarks: 'true', timeoutSeconds: String(300 + Math.floor(Math.random() * 300)) }, (e) => {
          if (e.type === 'ERROR') {
            const code = (e.object as { code?: number }).code;
            if (code === 410) needList = true;
            return;
          }
          const rv = e.object.metadata?.resourceVersion;
          if (rv) this.rv = rv;
          if (e.type === 'BOOKMARK') return;
          const k = keyOf(e.object);
          const old = this.cache.get(k);
          if (e.type === 'DELETED') {
            this.cache.delete(k);
            this.emit('delete', e.object);
          } else {
            this.cache.set(k, e.object);
            if (old) this.emit('update', e.object, old);
            else this.emit('add', e.object);
          }
        });
        this.current = w;
        await w.done;
        backoff = 100;
      } catch (e) {
        if (this.stopped) return;
        if (isGone(e)) needList = true;
        else {
          this.log.debug('watch failed; retrying', { resource: this.resource.plural, err: e, backoffMs: backoff });
          await new Promise((r) => setTimeout(r, backoff));
          backoff = Math.min(backoff * 2, 10_000);
          needList = true;
        }
      }
    }
  }
}
