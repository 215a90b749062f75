// Pod priority admission (Kubernetes' Priority plugin), in the admission chain so dry runs pass it too:
// spec.priorityClassName is resolved to spec.priority and spec.preemptionPolicy; a pod without one
// gets the global-default class, or priority 0; an unknown class is refused (403) with the class name.
// Classes are read from an in-memory cache kept current by the store's watch (priority-class-cache.ts).
// Also creates the built-in system-* classes at start.

import type { PodSpec } from '../api/core/index.js';
import { randomUUID } from 'node:crypto';
import type { KindDef, KObject } from '../api/kind.js';
import { SYSTEM_PRIORITY_CLASSES } from '../api/kinds/cluster/priorityclass.js';
import type { Store } from '../store/types.js';
import { nowSeconds } from './prepare.js';
import type { ApiState } from './context.js';
import { forbidden } from '../api/errors.js';
import { Objects } from './storage/objects.js';
import { resourcePrefix } from './storage/keys.js';
import { PriorityClassCache, type PriorityClass as PC } from './priority-class-cache.js';
import type { AdmissionPlugin } from './admission/chain.js';

/**
 * The Priority admission plugin (mutating, on pod CREATE of the main resource): in the admission
 * chain rather than in storage, so a server-side dry run is refused exactly as the real create.
 */
function priorityPlugin(classes: () => PriorityClassCache | undefined): AdmissionPlugin {
  return {
    name: 'Priority',
    handles: (a) => a.operation === 'CREATE' && a.subresource === '' && a.rc.def.group === '' && a.rc.def.plural === 'pods' && !!a.obj,
    async mutate(a) {
      const cache = classes();
      if (!cache) return;
      const obj = a.obj!;
      const spec = (obj.spec ?? {}) as PodSpec;
      let pc: PC | undefined;
      if (spec.priorityClassName) {
        pc = await cache.get(spec.priorityClassName);
        if (!pc) throw forbidden({ group: '', resource: 'pods' }, obj.metadata?.name ?? '', `no PriorityClass with name ${spec.priorityClassName} was found`);
      } else {
        pc = await cache.globalDefault();
        if (pc) spec.priorityClassName = pc.metadata?.name;
      }
      const computed = pc?.value ?? 0;
      // As Kubernetes: a client may not pick its own integer priority.
      if (spec.priority !== undefined && spec.priority !== null && spec.priority !== computed) {
        throw forbidden({ group: '', resource: 'pods' }, obj.metadata?.name ?? '', `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${computed} from the given PriorityClass name`);
      }
      spec.priority = computed;
      if (pc) spec.preemptionPolicy = pc.preemptionPolicy ?? 'PreemptLowerPriority';
      obj.spec = spec;
    },
  };
}

/** PriorityClass storage that tells the cache about this server's own writes as they succeed. */
class PriorityClassObjects extends Objects {
  constructor(
    store: Store,
    def: KindDef,
    private cache: () => PriorityClassCache | undefined,
  ) {
    super(store, def);
  }
  override async create(obj: KObject) {
    const created = await super.create(obj);
    this.cache()?.wrote(created);
    return created;
  }
  override async update(obj: KObject, expectedRevision: number) {
    const updated = await super.update(obj, expectedRevision);
    this.cache()?.wrote(updated);
    return updated;
  }
  override async delete(namespace: string | undefined, name: string, expectedRevision?: number) {
    const deleted = await super.delete(namespace, name, expectedRevision);
    this.cache()?.wrote(deleted, true);
    return deleted;
  }
}

const caches = new WeakMap<ApiState, PriorityClassCache>();

/** The server's PriorityClass cache, made on first use (its watch hub ends with the server's hubs). */
function priorityClassCache(state: ApiState): PriorityClassCache | undefined {
  const pcDef = state.registry.byResource('scheduling.k8s.io', 'v1', 'priorityclasses');
  if (!pcDef) return undefined;
  let c = caches.get(state);
  if (!c) caches.set(state, (c = new PriorityClassCache(state.objects(pcDef), () => state.hub(pcDef), state.log.child({ component: 'priorityclass-cache' }))));
  return c;
}

export function installPodPriority(state: ApiState) {
  const pcDef = state.registry.byResource('scheduling.k8s.io', 'v1', 'priorityclasses');
  const cache = () => priorityClassCache(state);
  state.admission.register(priorityPlugin(cache));
  if (pcDef) state.storageOverrides.set(resourcePrefix(pcDef), (store, def) => new PriorityClassObjects(store, def, cache));
}

/** The system-node-critical and system-cluster-critical classes, idempotently. */
export async function ensureSystemPriorityClasses(state: ApiState) {
  const pcDef = state.registry.byResource('scheduling.k8s.io', 'v1', 'priorityclasses');
  if (!pcDef) return;
  const objects = state.objects(pcDef);
  for (const c of SYSTEM_PRIORITY_CLASSES) {
    if (await objects.get(undefined, c.name)) continue;
    try {
      await objects.create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: c.name, uid: randomUUID(), creationTimestamp: nowSeconds() }, value: c.value, description: c.description, preemptionPolicy: 'PreemptLowerPriority', globalDefault: false });
    } catch (e) {
      if ((e as { reason?: string }).reason !== 'AlreadyExists') throw e;
    }
  }
  // Ready before the first pod create, so none of them lists classes from the store.
  await priorityClassCache(state)?.start();
}
