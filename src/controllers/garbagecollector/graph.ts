// The ownership graph the garbage collector works from: every object by uid, and who depends on
// whom (ownerReferences), kept current from informer events.

import type { KObject } from '../../api/kind.js';
import type { ServedResource } from '../../client/discovery.js';

export interface Node {
  uid: string;
  resource: ServedResource;
  obj: KObject;
}

export class OwnershipGraph {
  private nodes = new Map<string, Node>();
  private dependents = new Map<string, Set<string>>();

  upsert(resource: ServedResource, obj: KObject) {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const old = this.nodes.get(uid);
    if (old) for (const r of old.obj.metadata?.ownerReferences ?? []) this.dependents.get(r.uid)?.delete(uid);
    this.nodes.set(uid, { uid, resource, obj });
    for (const r of obj.metadata?.ownerReferences ?? []) {
      if (!this.dependents.has(r.uid)) this.dependents.set(r.uid, new Set());
      this.dependents.get(r.uid)!.add(uid);
    }
  }

  remove(obj: KObject) {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const old = this.nodes.get(uid);
    if (old) for (const r of old.obj.metadata?.ownerReferences ?? []) this.dependents.get(r.uid)?.delete(uid);
    this.nodes.delete(uid);
  }

  get(uid: string): Node | undefined {
    return this.nodes.get(uid);
  }

  dependentsOf(uid: string): Node[] {
    return [...(this.dependents.get(uid) ?? [])].map((d) => this.nodes.get(d)).filter((n): n is Node => !!n);
  }
}
