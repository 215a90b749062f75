// The "storage" of metrics.k8s.io nodes and pods: computed on every get and list from the scraped
// points and the node/pod caches, never stored (metrics-server's REST storage). As metrics-server:
// a node or pod without two usable samples is not found and left out of lists; items carry the
// node's or pod's labels (label selectors are applied by the list handler to them) and a
// creationTimestamp of now; lists are ordered by name (pods by namespace, then name).

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

/** Lists in pages when asked (limit/continue): items are in key order, so a continue key is where to resume. */
function page(items: KObject[], keyOf: (o: KObject) => string, revision: number, opts: { limit?: number; continueKey?: string }): ListPage {
  let from = 0;
  if (opts.continueKey) {
    from = items.findIndex((o) => keyOf(o) > opts.continueKey!);
    if (from < 0) from = items.length;
  }
  const limit = opts.limit && opts.limit > 0 ? opts.limit : items.length;
  const slice = items.slice(from, from + limit);
  const more = from + limit < items.length;
  return { items: slice, revision, continueKey: more ? keyOf(slice[slice.length - 1]) : undefined, remaining: more ? items.length - from - limit : undefined };
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

  override async mustGet(namespace: string | undefined, name: string): Promise<Stored> {
    const s = await this.get(namespace, name);
    if (!s) throw notFound({ group: 'metrics.k8s.io', resource: 'nodes' }, name);
    return s;
  }

  override async list(_namespace: string | undefined, opts: { revision?: number; limit?: number; continueKey?: string } = {}): Promise<ListPage> {
    const names = [...this.src.view.nodes.keys()].sort();
    const items: KObject[] = [];
    for (const n of names) {
      const o = this.build(n);
      if (o) items.push(o);
    }
    return page(items, (o) => this.key(undefined, o.metadata!.name!), await this.store.currentRevision(), opts);
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

  override async mustGet(namespace: string | undefined, name: string): Promise<Stored> {
    const s = await this.get(namespace, name);
    // metrics-server names the pod with its namespace in this message.
    if (!s) throw notFound({ group: 'metrics.k8s.io', resource: 'pods' }, `${namespace}/${name}`);
    return s;
  }

  override async list(namespace: string | undefined, opts: { revision?: number; limit?: number; continueKey?: string } = {}): Promise<ListPage> {
    const pods = [...this.src.view.pods.values()].filter((p) => !namespace || p.namespace === namespace);
    pods.sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.namespace < b.namespace ? -1 : 1));
    const items: KObject[] = [];
    for (const p of pods) {
      const o = this.build(p.namespace, p.name);
      if (o) items.push(o);
    }
    return page(items, (o) => this.key(o.metadata!.namespace, o.metadata!.name!), await this.store.currentRevision(), opts);
  }
}
