// VolumeListers over the scheduler's informers: PVs and PVCs through the assume caches (so a cycle
// sees what earlier cycles reserved), the rest straight from their informers.

import type { InformerLike } from '../../client/informer.js';
import type { AssumeCache } from './assume-cache.js';
import type { Pv, Pvc, StorageClass } from '../../api/storage/types.js';
import type { CsiDriverObject, CsiNode, CsiStorageCapacity, VolumeListers } from './types.js';

export interface VolumeInformers {
  pvcs: AssumeCache<Pvc>;
  pvs: AssumeCache<Pv>;
  classes: InformerLike;
  csiNodes: InformerLike;
  csiDrivers: InformerLike;
  capacities: InformerLike;
}

export function informerListers(i: VolumeInformers): VolumeListers {
  return {
    pvc: (ns, name) => i.pvcs.get(`${ns}/${name}`),
    pv: (name) => (name ? i.pvs.get(name) : undefined),
    pvs: () => i.pvs.list(),
    storageClass: (name) => (name ? (i.classes.get(name) as StorageClass | undefined) : undefined),
    csiNode: (name) => i.csiNodes.get(name) as CsiNode | undefined,
    csiDriver: (name) => i.csiDrivers.get(name) as CsiDriverObject | undefined,
    capacities: () => i.capacities.list() as CsiStorageCapacity[],
  };
}

/** Fixed objects as listers, for tests. */
export function staticListers(o: { pvcs?: Pvc[]; pvs?: Pv[]; classes?: StorageClass[]; csiNodes?: CsiNode[]; csiDrivers?: CsiDriverObject[]; capacities?: CsiStorageCapacity[] }): VolumeListers {
  const by = <T extends { metadata?: { name?: string; namespace?: string } }>(l: T[] = [], ns = false) => new Map(l.map((x) => [ns ? `${x.metadata?.namespace ?? 'default'}/${x.metadata?.name}` : (x.metadata?.name ?? ''), x]));
  const pvcs = by(o.pvcs, true);
  const pvs = by(o.pvs);
  const classes = by(o.classes);
  const csiNodes = by(o.csiNodes);
  const csiDrivers = by(o.csiDrivers);
  return {
    pvc: (ns, name) => pvcs.get(`${ns}/${name}`),
    pv: (name) => pvs.get(name),
    pvs: () => [...pvs.values()],
    storageClass: (name) => classes.get(name),
    csiNode: (name) => csiNodes.get(name),
    csiDriver: (name) => csiDrivers.get(name),
    capacities: () => o.capacities ?? [],
  };
}
