// What the metrics API needs of Nodes and Pods, in memory and slim (metrics-server keeps a node
// informer and a metadata-only pod informer): names, labels, where each pod runs, each node's
// kubelet address and readiness. Watch-fed from this API server's own hubs, so 10,000 pods cost a
// few MB and a PodMetrics list never reads the store.

import type { Node, Pod } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import type { ApiState } from '../context.js';
import { WatchedKind } from '../storage/watched-kind.js';

export interface NodeInfo {
  name: string;
  labels?: Record<string, string>;
  ready: boolean;
  /** The address and port the kubelet endpoint listens on (from the Node's status, never from a request). */
  host?: string;
  port: number;
}

export interface PodInfo {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
  nodeName?: string;
}

type NodeShape = Pick<Node, 'metadata' | 'status'>;

export function nodeInfo(o: KObject): NodeInfo {
  const n = o as NodeShape;
  const addresses = Array.isArray(n.status?.addresses) ? n.status.addresses : [];
  const host = addresses.find((a) => a?.type === 'InternalIP')?.address ?? addresses.find((a) => a?.type === 'Hostname')?.address;
  const port = Number(n.status?.daemonEndpoints?.kubeletEndpoint?.Port) || 10250;
  const conditions = Array.isArray(n.status?.conditions) ? n.status.conditions : [];
  const ready = conditions.find((c) => c?.type === 'Ready')?.status === 'True';
  return { name: n.metadata?.name ?? '', labels: n.metadata?.labels, ready, host, port };
}

export function podInfo(o: KObject): PodInfo {
  const spec = (o as Pod).spec;
  return { namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '', labels: o.metadata?.labels, nodeName: spec?.nodeName || undefined };
}

export class ClusterView {
  readonly nodes = new Map<string, NodeInfo>();
  /** "namespace/name" -> pod. */
  readonly pods = new Map<string, PodInfo>();
  /** Bumped on every change of nodes or pods: sorted name lists are cached per version. */
  version = 0;
  private watched: WatchedKind[] = [];

  constructor(state: ApiState) {
    const nodeDef = state.registry.byResource('', 'v1', 'nodes');
    const podDef = state.registry.byResource('', 'v1', 'pods');
    if (nodeDef) {
      this.watched.push(
        new WatchedKind({
          what: 'Node cache (metrics API)',
          objects: () => state.objects(nodeDef),
          hub: () => state.hub(nodeDef),
          log: state.log,
          sink: {
            clear: () => {
              this.nodes.clear();
              this.version++;
            },
            put: (o) => {
              const n = nodeInfo(o);
              if (!this.nodes.has(n.name)) this.version++;
              this.nodes.set(n.name, n);
            },
            remove: (o) => {
              this.nodes.delete(o.metadata?.name ?? '');
              this.version++;
            },
          },
        }),
      );
    }
    if (podDef) {
      this.watched.push(
        new WatchedKind({
          what: 'Pod cache (metrics API)',
          objects: () => state.objects(podDef),
          hub: () => state.hub(podDef),
          log: state.log,
          sink: {
            clear: () => {
              this.pods.clear();
              this.version++;
            },
            put: (o) => {
              const p = podInfo(o);
              const key = `${p.namespace}/${p.name}`;
              if (!this.pods.has(key)) this.version++;
              this.pods.set(key, p);
            },
            remove: (o) => {
              this.pods.delete(`${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`);
              this.version++;
            },
          },
        }),
      );
    }
  }

  async start() {
    await Promise.all(this.watched.map((w) => w.start()));
  }

  get ready() {
    return this.watched.every((w) => w.filled);
  }

  close() {
    for (const w of this.watched) w.close();
  }
}
