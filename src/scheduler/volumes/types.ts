// The slices of the storage kinds only the scheduler's volume plugins read (CSINode, CSIDriver,
// CSIStorageCapacity), typed loosely like types.ts: objects come from the API as JSON, so every
// accessor tolerates missing or malformed fields. PVs, PVCs and StorageClasses are shared with the
// volume controllers (src/api/storage/types.ts).

import type { KObject } from '../../api/kind.js';
import type { CSIDriver, Pv, Pvc, StorageClass } from '../../api/storage/types.js';
import type { LabelSelector } from '../types.js';

export type CsiNode = KObject & { spec?: { drivers?: { name?: string; nodeID?: string; allocatable?: { count?: number } | null }[] } };

export type CsiDriverObject = CSIDriver;

export type CsiStorageCapacity = KObject & { nodeTopology?: LabelSelector | null; storageClassName?: string; capacity?: string | number; maximumVolumeSize?: string | number };

/** What the volume plugins read of the cluster; PVs and PVCs include the scheduler's own assumptions. */
export interface VolumeListers {
  pvc(namespace: string, name: string): Pvc | undefined;
  pv(name: string): Pv | undefined;
  pvs(): Pv[];
  storageClass(name: string): StorageClass | undefined;
  csiNode(name: string): CsiNode | undefined;
  csiDriver(name: string): CsiDriverObject | undefined;
  capacities(): CsiStorageCapacity[];
}

/** Volume binding modes (storage.k8s.io/v1 StorageClass.volumeBindingMode). */
export const WAIT_FOR_FIRST_CONSUMER = 'WaitForFirstConsumer';
/** A class whose "provisioner" only marks statically provisioned volumes (local PVs): nothing can be created. */
export const NO_PROVISIONER = 'kubernetes.io/no-provisioner';
