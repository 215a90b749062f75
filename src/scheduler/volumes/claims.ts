// The claims a pod uses: persistentVolumeClaim volumes by name, and generic ephemeral volumes as the
// claim the ephemeral volume controller creates for them, "<pod>-<volume>", owned by the pod.

import { asArray, type Pod } from '../types.js';
import type { Pvc } from '../../api/storage/types.js';

export interface PodClaim {
  /** The claim's name in the pod's namespace. */
  name: string;
  /** A generic ephemeral volume's claim (created for the pod, which must own it). */
  ephemeral: boolean;
  /** The persistentVolumeClaim volume is mounted read-only. */
  readOnly: boolean;
}

type Volume = { name?: unknown; persistentVolumeClaim?: { claimName?: unknown; readOnly?: unknown } | null; ephemeral?: unknown };

export function podClaims(pod: Pod): PodClaim[] {
  const out: PodClaim[] = [];
  for (const v of asArray<Volume>(pod.spec?.volumes)) {
    if (!v || typeof v !== 'object') continue;
    if (v.persistentVolumeClaim && typeof v.persistentVolumeClaim === 'object') {
      out.push({ name: String(v.persistentVolumeClaim.claimName ?? ''), ephemeral: false, readOnly: v.persistentVolumeClaim.readOnly === true });
    } else if (v.ephemeral && typeof v.ephemeral === 'object') {
      out.push({ name: `${pod.metadata?.name ?? ''}-${String(v.name ?? '')}`, ephemeral: true, readOnly: false });
    }
  }
  return out;
}

export const hasClaims = (pod: Pod) => podClaims(pod).length > 0;

/** Kubernetes' check that an ephemeral volume's claim really is this pod's (and not a same-named user claim). */
export function ephemeralOwnershipError(pod: Pod, pvc: Pvc): string | undefined {
  const owner = asArray<{ controller?: boolean; uid?: string }>(pvc.metadata?.ownerReferences).find((r) => r?.controller === true);
  if (owner && owner.uid === pod.metadata?.uid) return undefined;
  return `PVC ${pvc.metadata?.namespace}/${pvc.metadata?.name} was not created for pod ${pod.metadata?.namespace}/${pod.metadata?.name} (pod is not owner)`;
}
