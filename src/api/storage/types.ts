// The slices of PersistentVolumes, PersistentVolumeClaims and StorageClasses that the scheduler's
// volume plugins and the volume controllers both read, and Kubernetes' small helpers over them
// (pkg/api/v1/persistentvolume, storage/util): a claim's or volume's class (the beta annotation
// first), sizes as numbers, whether a volume is bound to a claim. Objects come from the API as JSON,
// typed loosely: every accessor tolerates missing or malformed fields.

import type { KObject } from '../kind.js';
import type { LabelSelectorObject } from '../labels.js';
import { parseQuantity } from '../quantity.js';
import type { NodeSelectorTerm } from '../scheduling/node-selector.js';

export interface ClaimRef {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export type Pv = KObject & {
  spec?: {
    capacity?: Record<string, string | number>;
    accessModes?: string[];
    claimRef?: ClaimRef | null;
    storageClassName?: string;
    persistentVolumeReclaimPolicy?: string;
    volumeMode?: string;
    nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } };
    csi?: { driver?: string; volumeHandle?: string };
    [source: string]: unknown;
  };
  status?: { phase?: string; message?: string; reason?: string; lastPhaseTransitionTime?: string };
};

export type Pvc = KObject & {
  spec?: {
    accessModes?: string[];
    selector?: LabelSelectorObject | null;
    resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
    volumeName?: string;
    storageClassName?: string | null;
    volumeMode?: string;
  };
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string | number>; conditions?: unknown[] };
};

/** storage.k8s.io/v1 CSIDriver: how Kubernetes treats a CSI driver's volumes. */
export type CSIDriver = KObject & {
  spec?: {
    attachRequired?: boolean;
    storageCapacity?: boolean;
    podInfoOnMount?: boolean;
    fsGroupPolicy?: string;
    volumeLifecycleModes?: string[];
    requiresRepublish?: boolean;
    tokenRequests?: { audience: string; expirationSeconds?: number }[];
    seLinuxMount?: boolean;
  };
};

/** storage.k8s.io/v1 VolumeAttachment: a volume's attachment to a node, made by the attach/detach controller. */
export type VolumeAttachment = KObject & {
  spec?: { attacher?: string; nodeName?: string; source?: { persistentVolumeName?: string | null; inlineVolumeSpec?: unknown } };
  status?: { attached?: boolean; attachmentMetadata?: Record<string, string>; attachError?: { message?: string }; detachError?: { message?: string } };
};

export interface TopologySelectorTerm {
  matchLabelExpressions?: { key: string; values?: string[] }[];
}

export type StorageClass = KObject & {
  provisioner?: string;
  volumeBindingMode?: string;
  allowVolumeExpansion?: boolean;
  reclaimPolicy?: string;
  allowedTopologies?: TopologySelectorTerm[];
};

/** The legacy annotation that names a claim's or volume's class before spec.storageClassName (still honoured first). */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

const annotation = (o: KObject, key: string): string | undefined => {
  const a = o.metadata?.annotations;
  return a && typeof a === 'object' && Object.hasOwn(a, key) ? String(a[key]) : undefined;
};

/** A claim's class: the beta annotation, else spec.storageClassName, else "" (no class). */
export function claimClass(c: Pvc): string {
  const beta = annotation(c, ANN_BETA_STORAGE_CLASS);
  if (beta !== undefined) return beta;
  return typeof c.spec?.storageClassName === 'string' ? c.spec.storageClassName : '';
}

export function volumeClass(v: Pv): string {
  const beta = annotation(v, ANN_BETA_STORAGE_CLASS);
  if (beta !== undefined) return beta;
  return typeof v.spec?.storageClassName === 'string' ? v.spec.storageClassName : '';
}

/** Bytes of a quantity, undefined when it is missing or malformed. */
export function quantityBytes(q: unknown): number | undefined {
  if (typeof q !== 'string' && typeof q !== 'number') return undefined;
  try {
    const n = parseQuantity(q);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The `storage` entry of a resource list in bytes, undefined when absent or malformed. */
export const storageOf = (list: Record<string, string | number> | undefined | null) => (list && typeof list === 'object' ? quantityBytes(list.storage) : undefined);
export const requestedBytes = (c: Pvc) => storageOf(c.spec?.resources?.requests);
export const capacityBytes = (v: Pv) => storageOf(v.spec?.capacity);

/** The volume's claimRef names this claim, with its uid or with none yet (pre-bound by a user). */
export function isVolumeBoundToClaim(v: Pv, c: Pvc): boolean {
  const r = v.spec?.claimRef;
  if (!r || typeof r !== 'object') return false;
  if (r.name !== c.metadata?.name || (r.namespace ?? '') !== (c.metadata?.namespace ?? '')) return false;
  return !r.uid || r.uid === c.metadata?.uid;
}

/** A claim's or volume's volumeMode; absent means Filesystem. */
export const volumeModeOf = (x: { spec?: { volumeMode?: unknown } }) => (typeof x.spec?.volumeMode === 'string' && x.spec.volumeMode ? x.spec.volumeMode : 'Filesystem');

const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);

/** The volume offers every access mode the claim asks for. */
export function accessModesMatch(c: Pvc, v: Pv): boolean {
  const offered = new Set(strings(v.spec?.accessModes));
  return strings(c.spec?.accessModes).every((m) => offered.has(m));
}

/** How many distinct access modes a volume offers (fewer first, so an RWO claim leaves RWO+RWX volumes for claims that need them). */
export const distinctAccessModes = (v: Pv) => new Set(strings(v.spec?.accessModes)).size;
