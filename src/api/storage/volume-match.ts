// Which PersistentVolume a claim binds to — Kubernetes' FindMatchingVolume, shared as there by the
// PV controller (binding a claim) and the scheduler's VolumeBinding plugin (checking a node, and
// choosing volumes for a WaitForFirstConsumer claim on it):
// - a volume pre-bound to the claim (claimRef naming it, with its uid or none yet) wins over any
//   other, the one already carrying the uid first — unless its node affinity shuts out the node;
// - else, of the Available volumes of the claim's class whose labels the claim's selector matches,
//   that offer every access mode the claim asks for, of the claim's volumeMode, at least its size
//   and reachable from the node (their node affinity): the one offering the fewest access modes (so
//   an RWO claim does not take an RWO+RWX volume while an RWO one fits), then the smallest, then by
//   name, so the choice does not depend on listing order.
// A volume claimed by another claim, being deleted, or chosen for another claim (`excluded`, the
// scheduler's choices for a pod's other claims) is never chosen. For a WaitForFirstConsumer claim
// only pre-bound volumes count until a node is chosen. Pure; volume-match.test.ts is the table.

import { selectorFromObject } from '../labels.js';
import { type NodeView, termMatches } from '../scheduling/node-selector.js';
import { accessModesMatch, capacityBytes, claimClass, distinctAccessModes, isVolumeBoundToClaim, type Pv, type Pvc, requestedBytes, volumeClass, volumeModeOf } from './types.js';

export interface MatchOptions {
  /** The claim's class binds WaitForFirstConsumer: unbound volumes count only once a node is chosen. */
  delayBinding?: boolean;
  /** The node the claim is for (the scheduler's candidate, or the claim's selected-node), when known. */
  node?: NodeView;
  /** Names of volumes already chosen for other claims. */
  excluded?: ReadonlySet<string>;
}

/** The volume's required node affinity admits the node (no affinity admits every node; a malformed term none). */
export function volumeNodeAffinityMatches(v: Pv, node: NodeView): boolean {
  const required = v.spec?.nodeAffinity?.required;
  if (!required) return true;
  const terms = Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms : [];
  return terms.some((t) => {
    try {
      return termMatches(t, node);
    } catch {
      return false;
    }
  });
}

/** The claim's selector matches the labels (no selector matches all; a malformed one none). */
function selectorMatches(claim: Pvc, labels: unknown): boolean {
  const sel = claim.spec?.selector;
  if (sel === undefined || sel === null) return true;
  try {
    return selectorFromObject(sel).matches(labels && typeof labels === 'object' ? (labels as Record<string, string>) : {});
  } catch {
    return false;
  }
}

const nameOf = (v: Pv) => v.metadata?.name ?? '';

/** Orders free candidates: fewer access modes, then smaller, then by name. */
function better(a: Pv, b: Pv): boolean {
  const modes = distinctAccessModes(a) - distinctAccessModes(b);
  if (modes !== 0) return modes < 0;
  const size = (capacityBytes(a) ?? 0) - (capacityBytes(b) ?? 0);
  if (size !== 0) return size < 0;
  return nameOf(a) < nameOf(b);
}

export function findMatchingVolume(claim: Pvc, volumes: Iterable<Pv>, opts: MatchOptions = {}): Pv | undefined {
  const want = requestedBytes(claim) ?? 0;
  const cls = claimClass(claim);
  const mode = volumeModeOf(claim);
  const { node, excluded } = opts;
  let prebound: Pv | undefined;
  let best: Pv | undefined;
  for (const v of volumes) {
    if (excluded?.has(nameOf(v))) continue;
    const ref = v.spec?.claimRef;
    const mine = isVolumeBoundToClaim(v, claim);
    if (ref && !mine) continue;
    const size = capacityBytes(v);
    if (size === undefined || size < want) continue;
    if (volumeModeOf(v) !== mode) continue;
    if (v.metadata?.deletionTimestamp) continue;
    if (mine) {
      if (!prebound || (ref?.uid && !prebound.spec?.claimRef?.uid)) prebound = v;
      continue;
    }
    if (opts.delayBinding && !node) continue; // the scheduler picks the node first
    if (v.status?.phase !== 'Available') continue;
    if (!selectorMatches(claim, v.metadata?.labels)) continue;
    if (volumeClass(v) !== cls) continue;
    if (!accessModesMatch(claim, v)) continue;
    if (node && !volumeNodeAffinityMatches(v, node)) continue;
    if (!best || better(v, best)) best = v;
  }
  if (prebound) return node && !volumeNodeAffinityMatches(prebound, node) ? undefined : prebound;
  return best;
}

/**
 * Why a volume a claim names in spec.volumeName cannot serve it (Kubernetes' checkVolumeSatisfyClaim),
 * or undefined when it can.
 */
export function volumeMismatch(v: Pv, c: Pvc): string | undefined {
  if (v.metadata?.deletionTimestamp) return `the volume is marked for deletion ${JSON.stringify(v.metadata.name ?? '')}`;
  const size = capacityBytes(v);
  if (size === undefined || size < (requestedBytes(c) ?? 0)) return 'requested PV is too small';
  if (volumeClass(v) !== claimClass(c)) return 'storageClassName does not match';
  if (volumeModeOf(v) !== volumeModeOf(c)) return 'incompatible volumeMode';
  if (!accessModesMatch(c, v)) return 'incompatible accessMode';
  return undefined;
}
