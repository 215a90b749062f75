// Service storage: the generic object storage plus allocation. Every write of a Service goes through
// here (create, update, patch, apply, status, delete and finalizer removal), so the allocators and
// the stored Services cannot drift: allocate before the write, undo if the write fails, release
// what is no longer held once it succeeded, as Kubernetes' service REST storage does.

import type { KindDef, KObject } from '../../api/kind.js';
import type { Store } from '../../store/types.js';
import type { Logger } from '../../util/log.js';
import { Objects } from '../storage/objects.js';
import { allocateForService, heldBy, ownerOf, type ServiceAllocators } from './service-allocation.js';

export class ServiceObjects extends Objects {
  constructor(
    store: Store,
    def: KindDef,
    private alloc: ServiceAllocators,
    private log: Logger,
  ) {
    super(store, def);
  }

  override async create(obj: KObject): Promise<KObject> {
    const step = await allocateForService(this.alloc, obj);
    try {
      return await super.create(obj);
    } catch (e) {
      await step.undo().catch((err) => this.log.warn('releasing allocations of a failed service create', { err }));
      throw e;
    }
  }

  override async update(obj: KObject, expectedRevision: number): Promise<KObject> {
    const meta = obj.metadata!;
    const cur = await this.get(meta.namespace, meta.name!);
    // Let the store report the conflict or absence; allocate nothing for a write that cannot succeed.
    if (!cur || cur.revision !== expectedRevision) return super.update(obj, expectedRevision);
    const step = await allocateForService(this.alloc, obj, cur.obj);
    let stored: KObject;
    try {
      stored = await super.update(obj, expectedRevision);
    } catch (e) {
      await step.undo().catch((err) => this.log.warn('releasing allocations of a failed service update', { err }));
      throw e;
    }
    await step.commit().catch((err) => this.log.warn('releasing allocations a service no longer holds (the repair pass will)', { err }));
    return stored;
  }

  override async delete(namespace: string | undefined, name: string, expectedRevision?: number): Promise<KObject> {
    const deleted = await super.delete(namespace, name, expectedRevision);
    const held = heldBy(deleted);
    const owner = ownerOf(deleted);
    try {
      if (held.ip) await this.alloc.ips.release(held.ip, owner);
      for (const p of held.nodePorts) await this.alloc.nodePorts.release(String(p), owner);
    } catch (err) {
      this.log.warn("releasing a deleted service's allocations failed (the repair pass will)", { service: `${namespace}/${name}`, err });
    }
    return deleted;
  }
}
