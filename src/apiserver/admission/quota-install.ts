// Wires LimitRanger and ResourceQuota admission into an API server: their in-memory caches of the
// namespace's LimitRanges and ResourceQuotas, and write-through storage so this server's own writes
// to those kinds (quota charges, the controller's status updates) are seen by the next request at once.

import type { KindDef, KObject } from '../../api/kind.js';
import type { Store } from '../../store/types.js';
import type { ApiState } from '../context.js';
import { Objects } from '../storage/objects.js';
import { resourcePrefix } from '../storage/keys.js';
import { limitRangerPlugin } from './limit-ranger.js';
import { NamespacedCache } from './namespaced-cache.js';
import { resourceQuotaPlugin } from './resource-quota.js';

/** Storage that tells a cache about each write as it succeeds. */
class WriteThroughObjects extends Objects {
  constructor(
    store: Store,
    def: KindDef,
    private cache: NamespacedCache,
  ) {
    super(store, def);
  }
  override async create(obj: KObject) {
    const created = await super.create(obj);
    this.cache.wrote(created);
    return created;
  }
  override async update(obj: KObject, expectedRevision: number) {
    const updated = await super.update(obj, expectedRevision);
    this.cache.wrote(updated);
    return updated;
  }
  override async delete(namespace: string | undefined, name: string, expectedRevision?: number) {
    const deleted = await super.delete(namespace, name, expectedRevision);
    this.cache.wrote(deleted, true);
    return deleted;
  }
}

function cacheFor(state: ApiState, def: KindDef, what: string): NamespacedCache {
  const cache = new NamespacedCache(
    () => state.objects(def),
    () => state.hub(def),
    state.log.child({ component: `${def.plural}-cache` }),
    what,
  );
  state.storageOverrides.set(resourcePrefix(def), (store, d) => new WriteThroughObjects(store, d, cache));
  state.postStartHooks.push({ name: `${def.plural}-cache`, run: () => cache.start() });
  return cache;
}

/** Registers LimitRanger and ResourceQuota on the server's admission chain (when the kinds are served). */
export function installQuotaAdmission(state: ApiState): { close(): void } {
  const lrDef = state.registry.byResource('', 'v1', 'limitranges');
  const rqDef = state.registry.byResource('', 'v1', 'resourcequotas');
  const caches: NamespacedCache[] = [];
  if (lrDef) {
    const ranges = cacheFor(state, lrDef, 'LimitRange cache (admission reads the store meanwhile)');
    caches.push(ranges);
    state.admission.register(limitRangerPlugin(ranges));
  }
  if (rqDef) {
    const quotas = cacheFor(state, rqDef, 'ResourceQuota cache (admission reads the store meanwhile)');
    caches.push(quotas);
    state.admission.register(resourceQuotaPlugin(quotas, () => state.objects(rqDef)));
  }
  return {
    close: () => {
      for (const c of caches) c.close();
    },
  };
}
