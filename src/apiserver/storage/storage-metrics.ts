// The API server's storage metrics with kube-apiserver's names:
//   etcd_request_duration_seconds{operation,type}: every store call, timed (both backends: the name
//     is Kubernetes', whichever store answers), type being the resource ("pods", "deployments.apps");
//   apiserver_storage_objects{resource}: objects stored per resource, counted at most every
//     REFRESH_MS and only when /metrics is read (no timer working for nobody).

import type { KindDef } from '../../api/kind.js';
import type { Store } from '../../store/types.js';
import { metrics } from '../../util/metrics.js';
import { resourcePrefix } from './keys.js';

/** kube-apiserver's buckets for store latency, 5 ms to 60 s. */
const BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];
const storeLatency = metrics.histogram('etcd_request_duration_seconds', 'Store request latency in seconds, by operation and resource.', BUCKETS);
const objectCounts = metrics.gauge('apiserver_storage_objects', 'Objects stored at the last check, by resource.');

/** The resource a key belongs to, as Kubernetes names it: "pods", "deployments.apps" (keys are /registry/{group|core}/{plural}/...). */
export function resourceOfKey(key: string): string {
  const [, registry, group, plural] = key.split('/', 4);
  if (registry !== 'registry' || !group) return 'unknown';
  if (!plural) return group;
  return group === 'core' ? plural : `${plural}.${group}`;
}

async function timed<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  try {
    return await fn();
  } finally {
    storeLatency.observe(Number(process.hrtime.bigint() - start) / 1e9, { operation, type: resourceOfKey(key) });
  }
}

/** The store, with each request timed into etcd_request_duration_seconds. */
export function meteredStore(store: Store): Store {
  return {
    get backend() {
      return store.backend;
    },
    currentRevision: () => store.currentRevision(),
    get: (key) => timed('get', key, () => store.get(key)),
    list: (prefix, opts) => timed('list', prefix, () => store.list(prefix, opts)),
    count: (prefix) => timed('count', prefix, () => store.count(prefix)),
    create: (key, value) => timed('create', key, () => store.create(key, value)),
    update: (key, value, rev) => timed('update', key, () => store.update(key, value, rev)),
    delete: (key, rev) => timed('delete', key, () => store.delete(key, rev)),
    watch: (prefix, opts) => store.watch(prefix, opts),
    compact: (rev) => store.compact(rev),
    compactedRevision: () => store.compactedRevision(),
    close: () => store.close(),
  };
}

const REFRESH_MS = 10_000;

/** Keeps apiserver_storage_objects current enough for a scrape. */
export class StorageObjectCounts {
  private last = 0;
  private running?: Promise<void>;

  constructor(
    private store: Store,
    private kinds: () => KindDef[],
  ) {}

  /** Count again when the last count is older than REFRESH_MS; concurrent scrapes share one count. */
  refreshIfStale(): Promise<void> {
    if (this.running) return this.running;
    if (Date.now() - this.last < REFRESH_MS) return Promise.resolve();
    this.running = this.refresh().finally(() => {
      this.last = Date.now();
      this.running = undefined;
    });
    return this.running;
  }

  private async refresh() {
    // One count per stored resource (a kind served in several versions is stored once; create-only reviews are not stored).
    const prefixes = new Map<string, string>();
    for (const def of this.kinds()) if ((def.verbs ?? ['list']).includes('list')) prefixes.set(resourcePrefix(def), def.group ? `${def.plural}.${def.group}` : def.plural);
    for (const [prefix, resource] of prefixes) {
      try {
        objectCounts.set(await this.store.count(prefix), { resource });
      } catch {
        objectCounts.set(-1, { resource }); // as Kubernetes: -1 when the count failed
      }
    }
  }
}
