// The scheduler's view of the cluster: NodeInfos built from the node and pod informers, plus assumed
// pods (placed in the cache the moment a node is chosen, before the API bind returns, so the next
// cycle already sees the space taken; forgotten if the bind fails, confirmed when the informer sees
// the pod bound). Pods whose node is not known yet wait until it appears.

import { claimKeys, hasAffinity, podInfo, type PodInfo } from './pod-info.js';
import { NodeInfo } from './node-info.js';
import { podKey, type Node, type Pod } from './types.js';

/** A PodInfo that never throws: an already-placed pod with malformed fields still takes its node. */
export function safePodInfo(pod: Pod): PodInfo {
  try {
    return podInfo(pod);
  } catch {
    let requests = {};
    try {
      requests = podInfo({ ...pod, spec: { ...pod.spec, affinity: undefined } }).requests;
    } catch {
      /* no usable requests */
    }
    return {
      key: podKey(pod),
      pod,
      namespace: pod.metadata?.namespace ?? 'default',
      labels: pod.metadata?.labels ?? {},
      priority: pod.spec?.priority ?? 0,
      requests,
      requestList: Object.entries(requests),
      nonZero: { cpu: 0, memory: 0 },
      claims: claimKeys(pod),
      requiredAffinity: [],
      requiredAntiAffinity: [],
      preferredAffinity: [],
      preferredAntiAffinity: [],
    };
  }
}

const NONE: readonly PodInfo[] = Object.freeze([]);
const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

export class SchedulerCache {
  readonly nodes = new Map<string, NodeInfo>();
  /** podKey → node name, for every pod the cache counts (bound or assumed). */
  private podNode = new Map<string, string>();
  private assumed = new Set<string>();
  /** Pods on nodes the cache has not seen yet. */
  private orphans = new Map<string, PodInfo & { nodeName: string }>();
  /** Preemptors waiting for their victims to go: podKey → node; plugins count them on that node. */
  readonly nominated = new Map<string, { node: string; info: PodInfo }>();
  readonly namespaceLabels = new Map<string, Record<string, string>>();
  /** Keys of placed pods with affinity terms / required anti-affinity, so plugins can skip cluster scans when empty. */
  readonly podsWithAffinity = new Set<string>();
  readonly podsWithRequiredAntiAffinity = new Set<string>();
  private list: NodeInfo[] = [];
  private listDirty = true;

  /** Every NodeInfo, in a stable order (rebuilt only when nodes come or go). */
  nodeList(): NodeInfo[] {
    if (this.listDirty) {
      this.list = [...this.nodes.values()];
      this.listDirty = false;
    }
    return this.list;
  }

  addOrUpdateNode(node: Node) {
    const name = node.metadata?.name ?? '';
    let ni = this.nodes.get(name);
    if (ni) ni.setNode(node);
    else {
      ni = new NodeInfo(node);
      this.nodes.set(name, ni);
      this.listDirty = true;
      for (const [k, o] of this.orphans) {
        if (o.nodeName !== name) continue;
        this.orphans.delete(k);
        ni.addPod(o);
        this.podNode.set(k, name);
      }
    }
  }

  removeNode(name: string) {
    const ni = this.nodes.get(name);
    if (!ni) return;
    this.nodes.delete(name);
    this.listDirty = true;
    // Its pods stay known, as orphans, in case the node comes back (kube keeps them too).
    for (const p of ni.pods.values()) {
      this.podNode.delete(p.key);
      this.orphans.set(p.key, { ...p, nodeName: name });
    }
  }

  private place(info: PodInfo, nodeName: string) {
    this.unplace(info.key);
    if (hasAffinity(info)) this.podsWithAffinity.add(info.key);
    if (info.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity.add(info.key);
    const ni = this.nodes.get(nodeName);
    if (ni) {
      ni.addPod(info);
      this.podNode.set(info.key, nodeName);
    } else this.orphans.set(info.key, { ...info, nodeName });
  }

  private unplace(key: string) {
    this.podsWithAffinity.delete(key);
    this.podsWithRequiredAntiAffinity.delete(key);
    const n = this.podNode.get(key);
    if (n !== undefined) {
      this.nodes.get(n)?.removePod(key);
      this.podNode.delete(key);
    }
    this.orphans.delete(key);
  }

  /** A pod the informer reports as bound (added or updated). */
  addOrUpdatePod(pod: Pod) {
    const key = podKey(pod);
    const nodeName = pod.spec?.nodeName;
    this.assumed.delete(key);
    this.nominated.delete(key);
    if (!nodeName || isTerminal(pod)) {
      this.unplace(key);
      return;
    }
    this.place(safePodInfo(pod), nodeName);
  }

  removePod(pod: Pod) {
    const key = podKey(pod);
    this.assumed.delete(key);
    this.nominated.delete(key);
    this.unplace(key);
  }

  /** Count the pod on the node now; the bind is still in flight. */
  assume(info: PodInfo, nodeName: string) {
    this.nominated.delete(info.key);
    this.place(info, nodeName);
    this.assumed.add(info.key);
  }

  /** The bind failed: give the space back (unless the informer already saw the pod bound). */
  forget(key: string) {
    if (!this.assumed.delete(key)) return;
    this.unplace(key);
  }

  isAssumed(key: string) {
    return this.assumed.has(key);
  }

  nodeOf(key: string) {
    return this.podNode.get(key);
  }

  nominate(info: PodInfo, node: string) {
    this.nominated.set(info.key, { node, info });
  }

  /** Nominated pods on a node with at least `priority`, other than `except`. */
  nominatedOn(node: string, priority: number, except: string): readonly PodInfo[] {
    if (this.nominated.size === 0) return NONE;
    const out: PodInfo[] = [];
    for (const [k, n] of this.nominated) if (n.node === node && k !== except && n.info.priority >= priority) out.push(n.info);
    return out;
  }
}
