// The garbage collector, with Kubernetes' semantics:
// - background: an object whose owners (every ownerReference, by uid) are all gone is deleted;
// - foreground: an owner being deleted with the foregroundDeletion finalizer has its dependents
//   deleted first, and loses the finalizer once no dependent that blocks owner deletion remains;
// - orphan: an owner being deleted with the orphan finalizer has its dependents' references to it
//   removed, then loses the finalizer.
// Owner absence is confirmed with a live GET before anything is deleted, never from a stale cache.

import type { KObject, OwnerReference } from '../../api/kind.js';
import { byApiVersionKind, discoverResources, type ServedResource } from '../../client/discovery.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { isConflict, isNotFound, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';
import { OwnershipGraph } from './graph.js';
import { ownershipChanged } from './ownership.js';

const FOREGROUND = 'foregroundDeletion';
const ORPHAN = 'orphan';
/** Events are records, not owned state; watching them would only cost. */
const SKIP = new Set(['events', 'events.events.k8s.io']);

export class GarbageCollector extends Controller {
  private graph = new OwnershipGraph();
  private resources: ServedResource[] = [];
  private refresh?: NodeJS.Timeout;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('garbagecollector', log, factory, 4);
  }

  /** Informers come from discovery, so the runtime starts the workers at once and sync() adds them. */
  override start() {
    super.start();
    void this.sync();
    // New kinds (CRDs) appear at run time; look again now and then.
    this.refresh = setInterval(() => void this.sync(), 30_000);
    this.refresh.unref();
  }

  protected override onStop() {
    clearInterval(this.refresh);
  }

  private async sync() {
    try {
      const served = (await discoverResources(this.client)).filter((r) => r.verbs.includes('list') && r.verbs.includes('watch') && r.verbs.includes('delete') && !SKIP.has(r.group ? `${r.plural}.${r.group}` : r.plural));
      for (const r of served) {
        if (this.resources.some((x) => x.group === r.group && x.plural === r.plural)) continue;
        if (this.isStopped) return;
        this.resources.push(r);
        // The same shared informers as every other controller's (pods, ReplicaSets, ...).
        this.informers.informer(r).addHandlers({
          onAdd: (o) => this.observe(r, o),
          onUpdate: (old, o) => this.observe(r, o, old),
          onDelete: (o) => this.forget(o),
        });
      }
      this.informers.start();
    } catch (e) {
      this.log.warn('discovery failed; will retry', { err: e });
    }
  }

  private observe(r: ServedResource, o: KObject, old?: KObject) {
    this.graph.upsert(r, o);
    if (old && !ownershipChanged(old, o)) return;
    const uid = o.metadata!.uid!;
    if (o.metadata?.ownerReferences?.length || o.metadata?.deletionTimestamp) this.queue.add(uid);
    // An owner's state changed: its dependents may have work; a dependent changed: its owners may.
    for (const d of this.graph.dependentsOf(uid)) this.queue.add(d.uid);
    for (const ref of o.metadata?.ownerReferences ?? []) if (this.graph.get(ref.uid)?.obj.metadata?.deletionTimestamp) this.queue.add(ref.uid);
  }

  private forget(o: KObject) {
    const uid = o.metadata?.uid;
    if (!uid) return;
    const deps = this.graph.dependentsOf(uid);
    this.graph.remove(o);
    for (const d of deps) this.queue.add(d.uid);
    for (const ref of o.metadata?.ownerReferences ?? []) this.queue.add(ref.uid);
  }

  protected async reconcile(uid: string) {
    const node = this.graph.get(uid);
    if (!node) return;
    const o = node.obj;
    const finalizers = o.metadata?.finalizers ?? [];
    if (o.metadata?.deletionTimestamp && finalizers.includes(FOREGROUND)) return this.foreground(node.resource, o);
    if (o.metadata?.deletionTimestamp && finalizers.includes(ORPHAN)) return this.orphan(node.resource, o);
    if (o.metadata?.ownerReferences?.length && !o.metadata.deletionTimestamp) return this.collectIfOrphaned(node.resource, o);
  }

  private async foreground(r: ServedResource, owner: KObject) {
    const deps = this.graph.dependentsOf(owner.metadata!.uid!);
    for (const d of deps) {
      if (d.obj.metadata?.deletionTimestamp) continue;
      await this.client.delete(d.resource, d.obj.metadata?.namespace, d.obj.metadata!.name!, { propagationPolicy: 'Foreground', preconditions: { uid: d.uid } }).catch(ignoreGone);
    }
    const blocking = this.graph.dependentsOf(owner.metadata!.uid!).filter((d) => d.obj.metadata?.ownerReferences?.some((ref) => ref.uid === owner.metadata!.uid && ref.blockOwnerDeletion));
    if (blocking.length > 0) {
      this.queue.addAfter(owner.metadata!.uid!, 500);
      return;
    }
    await this.removeFinalizer(r, owner, FOREGROUND);
  }

  private async orphan(r: ServedResource, owner: KObject) {
    const uid = owner.metadata!.uid!;
    for (const d of this.graph.dependentsOf(uid)) {
      const refs = (d.obj.metadata?.ownerReferences ?? []).filter((ref) => ref.uid !== uid);
      await this.client.patch(d.resource, d.obj.metadata?.namespace, d.obj.metadata!.name!, { metadata: { ownerReferences: refs.length ? refs : null } }, 'merge').catch(ignoreGone);
    }
    await this.removeFinalizer(r, owner, ORPHAN);
  }

  private async removeFinalizer(r: ServedResource, o: KObject, finalizer: string) {
    for (let i = 0; i < 5; i++) {
      const live = await this.client.get(r, o.metadata?.namespace, o.metadata!.name!).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      if (!live || live.metadata?.uid !== o.metadata?.uid) return;
      const finalizers = (live.metadata?.finalizers ?? []).filter((f) => f !== finalizer);
      try {
        await this.client.patch(
          r,
          o.metadata?.namespace,
          o.metadata!.name!,
          [
            { op: 'test', path: '/metadata/resourceVersion', value: live.metadata!.resourceVersion },
            { op: 'replace', path: '/metadata/finalizers', value: finalizers },
          ],
          'json',
        );
        this.log.info('removed finalizer', { finalizer, resource: r.plural, namespace: o.metadata?.namespace, name: o.metadata?.name });
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e) && !(e as { code?: number }).code) throw e;
      }
    }
    throw new Error(`could not remove finalizer ${finalizer} from ${r.plural}/${o.metadata?.name}`);
  }

  /** Delete a dependent once every owner is confirmed gone (absent, or replaced by another uid). */
  private async collectIfOrphaned(r: ServedResource, o: KObject) {
    const refs = o.metadata!.ownerReferences!;
    const present = await Promise.all(refs.map((ref) => this.ownerExists(ref, o.metadata?.namespace)));
    if (present.some(Boolean)) return;
    this.log.info('deleting object whose owners are gone', { resource: r.plural, namespace: o.metadata?.namespace, name: o.metadata?.name, owners: refs.map((x) => `${x.kind}/${x.name}`) });
    await this.client.delete(r, o.metadata?.namespace, o.metadata!.name!, { propagationPolicy: 'Background', preconditions: { uid: o.metadata!.uid } }).catch(ignoreGone);
  }

  private async ownerExists(ref: OwnerReference, namespace: string | undefined): Promise<boolean> {
    const known = this.graph.get(ref.uid);
    if (known) return true;
    const r = byApiVersionKind(this.resources, ref.apiVersion, ref.kind);
    if (!r) return true; // an owner of a kind we cannot look up is not presumed gone
    try {
      const live = await this.client.get(r, r.namespaced ? namespace : undefined, ref.name);
      return live.metadata?.uid === ref.uid;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }
}

function ignoreGone(e: unknown) {
  if (isNotFound(e) || isConflict(e)) return undefined;
  throw e;
}
