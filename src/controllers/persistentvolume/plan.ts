// Which PersistentVolume a claim binds to, as Kubernetes' findBestMatchForClaim decides: a volume
// pre-bound to the claim (claimRef naming it, with its uid or none yet) first; else the smallest
// Available volume of the claim's class whose labels the claim's selector matches, that offers every
// access mode the claim asks for (volumes offering fewer modes first, so an RWO claim does not take
// an RWO+RWX volume while an RWO one fits), of the claim's volumeMode and at least its size. A
// volume claimed by another claim, or being deleted, is never chosen. For a WaitForFirstConsumer
// claim only pre-bound volumes count until a node is chosen (the scheduler's selected-node
// annotation); then unbound volumes must also be reachable from that node (their node affinity).
// Pure: the controller feeds it its caches; the tables in plan.test.ts are the specification.

import { selectorFromObject } from '../../api/labels.js';
import { type NodeView, termMatches } from '../../api/scheduling/node-selector.js';
import { capacityBytes, claimClass, hasAccessModes, isBoundToClaim, type Pv, type Pvc, requestedBytes, volumeClass, volumeModeOf } from './types.js';

export interface MatchOptions {
  /** The claim's class binds WaitForFirstConsumer. */
  delayBinding?: boolean;
  /** The node chosen for the claim (its selected-node annotation), when known. */
  node?: NodeView;
}

/** Whether a volume's node affinity admits the node (no affinity: every node). */
export function nodeAffinityAdmits(v: Pv, node: NodeView): boolean {
  const required = v.spec?.nodeAffinity?.required;
  if (!required) return true;
  const terms = Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms : [];
  return terms.some((t) => {
    try {
      return termMatches(t, node);
    } catch {
      return false; // a malformed term admits no node
    }
  });
}

const distinctModes = (v: Pv) => new Set(v.spec?.accessModes ?? []).size;

export function findBestMatch(claim: Pvc, volumes: Iterable<Pv>, opts: MatchOptions = {}): Pv | undefined {
  const requested = requestedBytes(claim);
  const want = Number.isNaN(requested) ? 0 : requested;
  const sel = claim.spec?.selector ? selectorFromObject(claim.spec.selector) : undefined;
  const cls = claimClass(claim);
  const mode = volumeModeOf(claim);
  let prebound: Pv | undefined;
  const fits: Pv[] = [];
  for (const v of volumes) {
    const ref = v.spec?.claimRef;
    if (ref && !isBoundToClaim(v, claim)) continue;
    const size = capacityBytes(v);
    if (Number.isNaN(size) || size < want) continue;
    if (volumeModeOf(v) !== mode) continue;
    if (v.metadata?.deletionTimestamp) continue;
    if (ref) {
      // Reserved for this claim: it wins over any other, the one already carrying the uid first.
      if (!prebound || (ref.uid && !prebound.spec?.claimRef?.uid)) prebound = v;
      continue;
    }
    if (opts.delayBinding && !opts.node) continue; // the scheduler picks the node first
    if (v.status?.phase !== 'Available') continue;
    if (sel && !sel.matches((v.metadata?.labels ?? {}) as Record<string, string>)) continue;
    if (volumeClass(v) !== cls) continue;
    if (!hasAccessModes(v, claim)) continue;
    if (opts.node && !nodeAffinityAdmits(v, opts.node)) continue;
    fits.push(v);
  }
  if (prebound) return opts.node && !nodeAffinityAdmits(prebound, opts.node) ? undefined : prebound;
  fits.sort((a, b) => distinctModes(a) - distinctModes(b) || capacityBytes(a) - capacityBytes(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return fits[0];
}

/**
 * Why a volume a claim names in spec.volumeName cannot serve it (Kubernetes' checkVolumeSatisfyClaim),
 * or undefined when it can.
 */
export function volumeMismatch(v: Pv, c: Pvc): string | undefined {
  if (v.metadata?.deletionTimestamp) return `the volume is marked for deletion ${JSON.stringify(v.metadata.name ?? '')}`;
  const want = requestedBytes(c);
  const size = capacityBytes(v);
  if (Number.isNaN(size) || size < (Number.isNaN(want) ? 0 : want)) return 'requested PV is too small';
  if (volumeClass(v) !== claimClass(c)) return 'storageClassName does not match';
  if (volumeModeOf(v) !== volumeModeOf(c)) return 'incompatible volumeMode';
  if (!hasAccessModes(v, c)) return 'incompatible accessMode';
  return undefined;
}
