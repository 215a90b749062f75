// Matching claims to volumes as Kubernetes' PV controller and scheduler both do (FindMatchingVolume):
// a volume pre-bound to the claim wins; otherwise the smallest Available volume of the claim's class
// with the claim's access modes and volume mode, labels matching its selector, enough capacity and
// (on the scheduler's path) node affinity matching the candidate node. Plus the topology checks of
// dynamic provisioning: a class's allowedTopologies and CSIStorageCapacity objects.

import { selectorFromObject } from '../../api/labels.js';
import { parseQuantity } from '../../api/quantity.js';
import { termMatches, type NodeView } from '../../api/scheduling/node-selector.js';
import { asArray, type NodeSelectorTerm } from '../types.js';
import { ANN_BETA_STORAGE_CLASS, type CsiStorageCapacity, type Pv, type Pvc, type TopologySelectorTerm } from './types.js';

const annotation = (o: { metadata?: { annotations?: Record<string, string> } }, k: string) => {
  const a = o.metadata?.annotations;
  return a && typeof a === 'object' && Object.hasOwn(a, k) ? a[k] : undefined;
};

/** The claim's class: the beta annotation first (as Kubernetes still reads it), then spec.storageClassName. */
export function claimClass(pvc: Pvc): string {
  const a = annotation(pvc, ANN_BETA_STORAGE_CLASS);
  if (a !== undefined) return String(a);
  return typeof pvc.spec?.storageClassName === 'string' ? pvc.spec.storageClassName : '';
}

export function volumeClass(pv: Pv): string {
  const a = annotation(pv, ANN_BETA_STORAGE_CLASS);
  if (a !== undefined) return String(a);
  return typeof pv.spec?.storageClassName === 'string' ? pv.spec.storageClassName : '';
}

/** A storage quantity in bytes, or undefined when absent or malformed. */
export function storageOf(list: Record<string, string | number> | undefined | null): number | undefined {
  const q = list && typeof list === 'object' ? list.storage : undefined;
  if (q === undefined || q === null) return undefined;
  try {
    const n = parseQuantity(q);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

export const claimRequest = (pvc: Pvc) => storageOf(pvc.spec?.resources?.requests);

/** Every mode the claim asks for is one the volume offers. */
export function accessModesMatch(pvc: Pvc, pv: Pv): boolean {
  const offered = new Set(asArray<string>(pv.spec?.accessModes));
  return asArray<string>(pvc.spec?.accessModes).every((m) => offered.has(m));
}

const modeOf = (m: unknown) => (typeof m === 'string' && m ? m : 'Filesystem');
export const volumeModeMismatch = (pvc: Pvc, pv: Pv) => modeOf(pvc.spec?.volumeMode) !== modeOf(pv.spec?.volumeMode);

/** The volume's claimRef names this claim (and its uid, when the ref carries one). */
export function isVolumeBoundToClaim(pv: Pv, pvc: Pvc): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref || typeof ref !== 'object') return false;
  if (ref.name !== pvc.metadata?.name || (ref.namespace ?? '') !== (pvc.metadata?.namespace ?? '')) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

/** The volume's required node affinity admits the node (no affinity admits every node; a malformed term none). */
export function volumeNodeAffinityMatches(pv: Pv, node: NodeView): boolean {
  const required = pv.spec?.nodeAffinity?.required;
  if (!required) return true;
  return asArray<NodeSelectorTerm>(required.nodeSelectorTerms).some((t) => {
    try {
      return termMatches(t, node);
    } catch {
      return false;
    }
  });
}

function selectorMatches(sel: unknown, labels: Record<string, string>): boolean {
  if (sel === undefined || sel === null) return true;
  try {
    return selectorFromObject(sel as never).matches(labels);
  } catch {
    return false;
  }
}

/**
 * The volume for the claim on the node: the one pre-bound to it (if its affinity admits the node),
 * else the smallest fitting Available one. Volumes in `excluded` were chosen for other claims.
 */
export function findMatchingVolume(pvc: Pvc, pvs: Iterable<Pv>, node: NodeView, excluded: ReadonlySet<string> = new Set()): Pv | undefined {
  const requested = claimRequest(pvc) ?? 0;
  const cls = claimClass(pvc);
  let best: Pv | undefined;
  let bestSize = Infinity;
  for (const pv of pvs) {
    const name = pv.metadata?.name ?? '';
    if (excluded.has(name)) continue;
    if (pv.spec?.claimRef && !isVolumeBoundToClaim(pv, pvc)) continue;
    const size = storageOf(pv.spec?.capacity);
    if (size === undefined || size < requested) continue;
    if (volumeModeMismatch(pvc, pv)) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    const affinityOk = volumeNodeAffinityMatches(pv, node);
    if (isVolumeBoundToClaim(pv, pvc)) return affinityOk ? pv : undefined;
    if (pv.status?.phase !== 'Available') continue;
    if (!selectorMatches(pvc.spec?.selector, pv.metadata?.labels ?? {})) continue;
    if (volumeClass(pv) !== cls) continue;
    if (!affinityOk || !accessModesMatch(pvc, pv)) continue;
    if (size < bestSize) {
      best = pv;
      bestSize = size;
    }
  }
  return best;
}

/** A class's allowedTopologies admit the node: no terms admit all; else some term whose every expression holds. */
export function allowedTopologiesMatch(terms: TopologySelectorTerm[] | undefined | null, labels: Readonly<Record<string, string>>): boolean {
  const list = asArray<TopologySelectorTerm>(terms);
  if (list.length === 0) return true;
  return list.some((t) => {
    const exprs = asArray<{ key: string; values?: string[] }>(t?.matchLabelExpressions);
    return exprs.length > 0 && exprs.every((e) => Object.hasOwn(labels, e?.key) && asArray<string>(e.values).includes(labels[e.key]));
  });
}

/** The capacity can hold a volume of `size` bytes: maximumVolumeSize when published, else capacity. */
export function capacitySufficient(c: CsiStorageCapacity, size: number): boolean {
  const limit = c.maximumVolumeSize ?? c.capacity;
  if (limit === undefined || limit === null) return false;
  try {
    return parseQuantity(limit) >= size;
  } catch {
    return false;
  }
}

/** The capacity's topology segment contains the node (an object without nodeTopology covers no node). */
export function capacityCoversNode(c: CsiStorageCapacity, labels: Record<string, string>): boolean {
  if (!c.nodeTopology) return false;
  return selectorMatches(c.nodeTopology, labels);
}
