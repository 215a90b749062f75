// The slices of the storage kinds the scheduler's volume plugins read (PVC, PV, StorageClass,
// CSINode, CSIDriver, CSIStorageCapacity), typed loosely like types.ts: objects come from the API as
// JSON, so every accessor tolerates missing or malformed fields.

import type { KObject } from '../../api/kind.js';
import type { LabelSelector, NodeSelectorTerm } from '../types.js';

export interface ObjectRef {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export type Pvc = KObject & {
  spec?: {
    accessModes?: string[];
    selector?: LabelSelector | null;
    resources?: { requests?: Record<string, string | number> };
    volumeName?: string;
    storageClassName?: string | null;
    volumeMode?: string;
  };
  status?: { phase?: string };
};

export type Pv = KObject & {
  spec?: {
    capacity?: Record<string, string | number>;
    accessModes?: string[];
    claimRef?: ObjectRef | null;
    storageClassName?: string;
    volumeMode?: string;
    nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } };
    csi?: { driver?: string; volumeHandle?: string };
  };
  status?: { phase?: string };
};

export interface TopologySelectorTerm {
  matchLabelExpressions?: { key: string; values?: string[] }[];
}

export type StorageClass = KObject & { provisioner?: string; volumeBindingMode?: string; allowedTopologies?: TopologySelectorTerm[] };

export type CsiNode = KObject & { spec?: { drivers?: { name?: string; nodeID?: string; allocatable?: { count?: number } | null }[] } };

export type CsiDriverObject = KObject & { spec?: { storageCapacity?: boolean } };

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
/** The legacy annotation that names a claim's class before spec.storageClassName (still honoured first). */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
