// NodeInfo: a node with the pods placed on it and the sums plugins ask for (requested resources,
// non-zero requests for scoring, pods carrying affinity terms), kept current incrementally.

import { resourceList, type Resources } from './resources.js';
import { hasAffinity, type PodInfo } from './pod-info.js';
import type { Node, Taint } from './types.js';
import { asArray } from './types.js';

export class NodeInfo {
  node!: Node;
  name = '';
  labels: Record<string, string> = {};
  taints: Taint[] = [];
  allocatable: Resources = {};
  /** Set when the node's allocatable list cannot be parsed; the node then fits nothing. */
  invalid?: string;
  readonly pods = new Map<string, PodInfo>();
  readonly requested: Resources = {};
  readonly nonZeroRequested = { cpu: 0, memory: 0 };
  /** Pods with any (anti-)affinity term, and those with required anti-affinity: the only ones inter-pod checks visit. */
  readonly podsWithAffinity = new Map<string, PodInfo>();
  readonly podsWithRequiredAntiAffinity = new Map<string, PodInfo>();
  /** "namespace/claim" → how many pods here use it (kube's PVCRefCounts: ReadWriteOncePod checks). */
  readonly pvcRefCounts = new Map<string, number>();

  constructor(node?: Node) {
    if (node) this.setNode(node);
  }

  setNode(node: Node) {
    this.node = node;
    this.name = node.metadata?.name ?? '';
    this.labels = node.metadata?.labels ?? {};
    this.taints = asArray<Taint>(node.spec?.taints).filter((t) => t && typeof t.key === 'string');
    try {
      this.allocatable = resourceList(node.status?.allocatable ?? node.status?.capacity);
      this.invalid = undefined;
    } catch (e) {
      this.allocatable = {};
      this.invalid = `node(s) had invalid allocatable resources: ${(e as Error).message}`;
    }
  }

  addPod(p: PodInfo) {
    if (this.pods.has(p.key)) this.removePod(p.key);
    this.pods.set(p.key, p);
    for (const [k, v] of Object.entries(p.requests)) this.requested[k] = (this.requested[k] ?? 0) + v;
    this.nonZeroRequested.cpu += p.nonZero.cpu;
    this.nonZeroRequested.memory += p.nonZero.memory;
    if (hasAffinity(p)) this.podsWithAffinity.set(p.key, p);
    if (p.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity.set(p.key, p);
    for (const c of p.claims) this.pvcRefCounts.set(c, (this.pvcRefCounts.get(c) ?? 0) + 1);
  }

  removePod(key: string): PodInfo | undefined {
    const p = this.pods.get(key);
    if (!p) return undefined;
    this.pods.delete(key);
    for (const [k, v] of Object.entries(p.requests)) this.requested[k] = (this.requested[k] ?? 0) - v;
    this.nonZeroRequested.cpu -= p.nonZero.cpu;
    this.nonZeroRequested.memory -= p.nonZero.memory;
    this.podsWithAffinity.delete(key);
    this.podsWithRequiredAntiAffinity.delete(key);
    for (const c of p.claims) {
      const n = (this.pvcRefCounts.get(c) ?? 0) - 1;
      if (n > 0) this.pvcRefCounts.set(c, n);
      else this.pvcRefCounts.delete(c);
    }
    return p;
  }

  /** A copy whose pod set can change without touching this one (preemption's what-ifs). */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.name = this.name;
    c.labels = this.labels;
    c.taints = this.taints;
    c.allocatable = this.allocatable;
    c.invalid = this.invalid;
    for (const p of this.pods.values()) c.addPod(p);
    return c;
  }
}
