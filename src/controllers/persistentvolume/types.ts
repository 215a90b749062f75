// The slices of PersistentVolumes, PersistentVolumeClaims and StorageClasses the volume controllers
// read, and Kubernetes' small helpers over them (pkg/api/v1/persistentvolume, storage/util): the
// class of a claim or volume (the beta annotation first), sizes as numbers, whether a volume is
// bound to a claim. Objects come from the API as JSON: every accessor tolerates missing fields.

import type { KObject } from '../../api/kind.js';
import { parseQuantity } from '../../api/quantity.js';

export interface ClaimRef {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
}

export interface NodeSelectorTermLike {
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
  matchFields?: { key: string; operator: string; values?: string[] }[];
}

export type Pv = KObject & {
  spec?: {
    capacity?: Record<string, string | number>;
    accessModes?: string[];
    claimRef?: ClaimRef | null;
    storageClassName?: string;
    persistentVolumeReclaimPolicy?: string;
    volumeMode?: string;
    nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTermLike[] } };
    csi?: { driver?: string; volumeHandle?: string };
    [source: string]: unknown;
  };
  status?: { phase?: string; message?: string; reason?: string; lastPhaseTransitionTime?: string };
};

export type Pvc = KObject & {
  spec?: {
    accessModes?: string[];
    selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | null;
    resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
    volumeName?: string;
    storageClassName?: string | null;
    volumeMode?: string;
  };
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string | number>; conditions?: unknown[] };
};

export type StorageClass = KObject & { provisioner?: string; volumeBindingMode?: string; allowVolumeExpansion?: boolean; reclaimPolicy?: string };

export const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';

/** A claim's class: the beta annotation, else spec.storageClassName, else "" (no class). */
export function claimClass(c: Pvc): string {
  const beta = c.metadata?.annotations?.[BETA_STORAGE_CLASS];
  if (beta !== undefined) return beta;
  return c.spec?.storageClassName ?? '';
}

export function volumeClass(v: Pv): string {
  const beta = v.metadata?.annotations?.[BETA_STORAGE_CLASS];
  if (beta !== undefined) return beta;
  return v.spec?.storageClassName ?? '';
}

/** Bytes of a quantity, NaN when it is missing or malformed. */
export function bytes(q: string | number | undefined): number {
  if (q === undefined || q === null) return Number.NaN;
  try {
    return parseQuantity(q);
  } catch {
    return Number.NaN;
  }
}

export const requestedBytes = (c: Pvc) => bytes(c.spec?.resources?.requests?.storage);
export const capacityBytes = (v: Pv) => bytes(v.spec?.capacity?.storage);

export const claimKey = (c: { metadata?: { namespace?: string; name?: string } }) => `${c.metadata?.namespace ?? ''}/${c.metadata?.name ?? ''}`;
export const claimRefKey = (r: ClaimRef) => `${r.namespace ?? ''}/${r.name ?? ''}`;

/** The volume's claimRef names this claim, with its uid or with none yet (pre-bound by a user). */
export function isBoundToClaim(v: Pv, c: Pvc): boolean {
  const r = v.spec?.claimRef;
  if (!r) return false;
  if (r.name !== c.metadata?.name || r.namespace !== c.metadata?.namespace) return false;
  return !r.uid || r.uid === c.metadata?.uid;
}

export const volumeModeOf = (x: { spec?: { volumeMode?: string } }) => x.spec?.volumeMode || 'Filesystem';

/** The volume offers every access mode the claim asks for. */
export function hasAccessModes(v: Pv, c: Pvc): boolean {
  const offered = new Set(v.spec?.accessModes ?? []);
  return (c.spec?.accessModes ?? []).every((m) => offered.has(m));
}

export const hasAnnotation = (o: KObject, key: string) => o.metadata?.annotations?.[key] !== undefined;
