// The "storage" of metrics.k8s.io nodes and pods: computed on every get and list from the scraped
// points and the node/pod caches, never stored (metrics-server's REST storage). As metrics-server:
// a node or pod without two usable samples is not found and left out of lists; items carry the
// node's or pod's labels (label selectors are applied by the list handler to them) and a
// creationTimestamp of now; lists are in key order (by name; pods by namespace, then name), as the
// store's are, and read in pages.

import type { KindDef, KObject } from '../../api/kind.js';
import { notFound } from '../../api/errors.js';
import { cpuQuantity, goDuration, memoryQuantity, metaTime } from '../../api/kinds/metrics/format.js';
import type { Store } from '../../store/types.js';
import { type ListPage, Objects, type Stored } from '../storage/objects.js';
import type { ClusterView } from './cluster-view.js';
import type { MetricsPoints } from './points.js';

const API_VERSION = 'metrics.k8s.io/v1beta1';

export interface MetricsSource {
  view: ClusterView;
  points: MetricsPoints;
}

/** The first index whose key is greater than `key` (keys sorted). */
function after(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One page of a list in store-key order, as the list handler reads it (pages of 100 with a
 * continue key): only the page's objects are built, so a list of 10,000 pods costs 10,000 builds,
 * not one whole list per page. Candidates without figures are skipped.
 */
function pageOf(keys: readonly string[], from: number, to: number, build: (i: number) => KObject | undefined, revision: number, opts: { limit?: number; continueKey?: string }): ListPage {
  let i = opts.continueKey ? Math.max(from, after(keys, opts.continueKey)) : from;
  const limit = opts.limit && opts.limit > 0 ? opts.limit : Number.POSITIVE_INFINITY;
  const items: KObject[] = [];
  for (; i < to && items.length < limit; i++) {
    const o = build(i);
    if (o) items.push(o);
  }
  return { items, revision, continueKey: i < to ? keys[i - 1] : undefined };
}

/** Sorted keys of the view's nodes or pods, rebuilt only when the view changed. */
class SortedKeys<T> {
  private version = -1;
  keys: string[] = [];
  entries: T[] = [];

  constructor(private read: () => { key: string; entry: T }[]) {}

  get(version: number) {
    if (version !== this.version) {
      const all = this.read().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      this.keys = all.map((x) => x.key);
      this.entries = all.map((x) => x.entry);
      this.version = version;
    }
    return this;
  }
}

export class NodeMetricsObjects extends Objects {
  constructor(
    store: Store,
    def: KindDef,
    private src: MetricsSource,
  ) {
    super(store, def);
  }

  private build(name: string): KObject | undefined {
    const node = this.src.view.nodes.get(name);
    const u = node && this.src.points.node(name);
    if (!node || !u) return undefined;
    const metadata: KObject['metadata'] = { name, creationTimestamp: metaTime(Date.now()) };
    if (node.labels) metadata.labels = node.labels;
    return { kind: 'NodeMetrics', apiVersion: API_VERSION, metadata, timestamp: metaTime(u.timestamp), window: goDuration(u.windowMs * 1e6), usage: { cpu: cpuQuantity(u.cpu), memory: memoryQuantity(u.memory) } };
  }

  override async get(_namespace: string | undefined, name: string): Promise<Stored | null> {
    const obj = this.build(name);
    return obj ? { obj, revision: 0 } : null;
  }

  /** Made up on read, not stored: no stored text to serve. */
  override async getJson(): Promise<undefined> {
    return undefined;
  }

  override async mustGet(namespace: string | undefined, name: string): Promise<Stored> {
    const s = await this.get(namespace, name);
    if (!s) throw notFound({ group: 'metrics.k8s.io', resource: 'nodes' }, name);
    return s;
  }

  private sorted = new SortedKeys(() => [...this.src.view.nodes.keys()].map((name) => ({ key: this.key(undefined, name), entry: name })));

  override async list(_namespace: string | undefined, opts: { revision?: number; limit?: number; continueKey?: string } = {}): Promise<ListPage> {
    const { keys, entries } = this.sorted.get(this.src.view.version);
    return pageOf(keys, 0, keys.length, (i) => this.build(entries[i]), await this.store.currentRevision(), opts);
  }
}

export class PodMetricsObjects extends Objects {
  constructor(
    store: Store,
    def: KindDef,
    private src: MetricsSource,
  ) {
    super(store, def);
  }

  private build(namespace: string, name: string): KObject | undefined {
    const pod = this.src.view.pods.get(`${namespace}/${name}`);
    const u = pod && this.src.points.pod(namespace, name);
    if (!pod || !u) return undefined;
    const metadata: KObject['metadata'] = { name, namespace, creationTimestamp: metaTime(Date.now()) };
    if (pod.labels) metadata.labels = pod.labels;
    return {
      kind: 'PodMetrics',
      apiVersion: API_VERSION,
      metadata,
      timestamp: metaTime(u.timestamp),
      window: goDuration(u.windowMs * 1e6),
      containers: u.containers.map((c) => ({ name: c.name, usage: { cpu: cpuQuantity(c.cpu), memory: memoryQuantity(c.memory) } })),
    };
  }

  override async get(namespace: string | undefined, name: string): Promise<Stored | null> {
    const obj = this.build(namespace ?? '', name);
    return obj ? { obj, revision: 0 } : null;
  }

  /** Made up on read, not stored: no stored text to serve. */
  override async getJson(): Promise<undefined> {
    return undefined;
  }

  override async mustGet(namespace: string | undefined, name: string): Promise<Stored> {
    const s = await this.get(namespace, name);
    // metrics-server names the pod with its namespace in this message.
    if (!s) throw notFound({ group: 'metrics.k8s.io', resource: 'pods' }, `${namespace}/${name}`);
    return s;
  }

  private sorted = new SortedKeys(() => [...this.src.view.pods.values()].map((p) => ({ key: this.key(p.namespace, p.name), entry: p })));

  override async list(namespace: string | undefined, opts: { revision?: number; limit?: number; continueKey?: string } = {}): Promise<ListPage> {
    const { keys, entries } = this.sorted.get(this.src.view.version);
    // One namespace's pods are the run of keys from "<prefix>ns/" up to "<prefix>ns0" ('0' follows '/').
    const prefix = namespace ? this.prefix(namespace) : '';
    const from = namespace ? after(keys, prefix) : 0;
    const to = namespace ? after(keys, `${prefix.slice(0, -1)}0`) : keys.length;
    return pageOf(keys, from, to, (i) => this.build(entries[i].namespace, entries[i].name), await this.store.currentRevision(), opts);
  }
}
