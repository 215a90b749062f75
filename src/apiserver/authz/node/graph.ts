// The node authorizer's graph, as indexes: for each node, how many of its pods reference each
// Secret, ConfigMap, PVC and ServiceAccount; and which PV each PVC is bound to. A decision is a map
// lookup or two. Memory is proportional to the pods and claims the cluster holds (one entry per
// distinct reference per node), nothing more.

import type { Pvc } from '../../../api/storage/types.js';
import type { Pod } from '../../../api/core/index.js';
import type { KObject } from '../../../api/kind.js';
import { podRefs, refKey, type RefKind } from './pod-refs.js';

interface PodEntry {
  node: string;
  refs: Set<string>;
}

export class NodeGraph {
  /** Pods bound to a node, by "namespace/name". */
  private pods = new Map<string, PodEntry>();
  /** node → refKey → number of that node's pods referencing it. */
  private byNode = new Map<string, Map<string, number>>();
  /** "namespace/name" of a PVC → the PV it is bound to. */
  private pvcVolume = new Map<string, string>();
  /** PV name → the PVCs bound to it (normally one). */
  private pvClaims = new Map<string, Set<string>>();

  /** A pod added or changed: only pods bound to a node (spec.nodeName) count. */
  setPod(pod: KObject) {
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    const node: unknown = (pod as Pod).spec?.nodeName;
    this.deletePod(key);
    if (typeof node !== 'string' || !node) return;
    const refs = podRefs(pod);
    this.pods.set(key, { node, refs });
    let counts = this.byNode.get(node);
    if (!counts) this.byNode.set(node, (counts = new Map()));
    for (const r of refs) counts.set(r, (counts.get(r) ?? 0) + 1);
  }

  removePod(pod: KObject) {
    this.deletePod(`${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`);
  }

  private deletePod(key: string) {
    const held = this.pods.get(key);
    if (!held) return;
    this.pods.delete(key);
    const counts = this.byNode.get(held.node);
    if (!counts) return;
    for (const r of held.refs) {
      const n = (counts.get(r) ?? 1) - 1;
      if (n > 0) counts.set(r, n);
      else counts.delete(r);
    }
    if (counts.size === 0) this.byNode.delete(held.node);
  }

  /** A PVC added or changed: its binding to a PV (spec.volumeName). */
  setPvc(pvc: KObject) {
    const key = `${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}`;
    const volume: unknown = (pvc as Pvc).spec?.volumeName;
    this.deletePvc(key);
    if (typeof volume !== 'string' || !volume) return;
    this.pvcVolume.set(key, volume);
    let claims = this.pvClaims.get(volume);
    if (!claims) this.pvClaims.set(volume, (claims = new Set()));
    claims.add(key);
  }

  removePvc(pvc: KObject) {
    this.deletePvc(`${pvc.metadata?.namespace ?? ''}/${pvc.metadata?.name ?? ''}`);
  }

  private deletePvc(key: string) {
    const volume = this.pvcVolume.get(key);
    if (volume === undefined) return;
    this.pvcVolume.delete(key);
    const claims = this.pvClaims.get(volume);
    claims?.delete(key);
    if (claims?.size === 0) this.pvClaims.delete(volume);
  }

  /** Drops every pod (before a rebuild of them from a fresh list). */
  clearPods() {
    this.pods.clear();
    this.byNode.clear();
  }

  /** Drops every PVC binding (before a rebuild of them from a fresh list). */
  clearPvcs() {
    this.pvcVolume.clear();
    this.pvClaims.clear();
  }

  /** Drops everything. */
  clear() {
    this.clearPods();
    this.clearPvcs();
  }

  /** Whether a pod bound to `node` references the object. */
  references(node: string, kind: RefKind, namespace: string, name: string): boolean {
    return (this.byNode.get(node)?.get(refKey(kind, namespace, name)) ?? 0) > 0;
  }

  /** Whether a pod bound to `node` uses a PVC bound to this PV. */
  referencesVolume(node: string, pv: string): boolean {
    for (const claim of this.pvClaims.get(pv) ?? []) {
      const slash = claim.indexOf('/');
      if (this.references(node, 'pvc', claim.slice(0, slash), claim.slice(slash + 1))) return true;
    }
    return false;
  }

  /** The node a pod is bound to, if the graph knows the pod. */
  nodeOfPod(namespace: string, name: string): string | undefined {
    return this.pods.get(`${namespace}/${name}`)?.node;
  }

  /** Sizes, for tests and metrics. */
  size() {
    return { pods: this.pods.size, nodes: this.byNode.size, claims: this.pvcVolume.size };
  }
}
