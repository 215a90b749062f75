// Scaling a Deployment (a change of spec.replicas, possibly mid-rollout or while paused):
// proportional scaling as in Kubernetes. Added replicas go to ReplicaSets in proportion to their
// size (largest first), removed ones come from them likewise, and any rounding leftover goes to the
// largest, so old and new keep their ratio and the rollout's surge bound holds.

import type { ReplicaSet } from '../util/workload-types.js';
import { intAnnotation, MAX_REPLICAS } from './annotations.js';
import { isRollingUpdate, maxSurge } from './fenceposts.js';
import { activeOnly, bySizeNewer, bySizeOlder, findActiveOrLatest, isSaturated, sumSpecReplicas } from './replicasets.js';
import type { DeploymentSync } from './sync.js';
import { replicasOf, type Deployment } from './types.js';

/** getReplicaSetFraction: this set's share of a change, from the size it was given for max-replicas. */
function fraction(rs: ReplicaSet, d: Deployment): number {
  const want = replicasOf(d);
  const size = rs.spec.replicas ?? 0;
  if (want === 0) return -size;
  const deploymentReplicas = want + maxSurge(d);
  const annotated = intAnnotation(rs, MAX_REPLICAS) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  return Math.round((size * deploymentReplicas) / annotated) - size;
}

/** The new size of every active ReplicaSet after distributing (allowed size - current total). */
export function proportionalSizes(d: Deployment, active: ReplicaSet[]): { sizes: Map<ReplicaSet, number>; toAdd: number } {
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowed - sumSpecReplicas(active);
  const ordered = active.slice().sort(toAdd > 0 ? bySizeNewer : bySizeOlder);
  const sizes = new Map<ReplicaSet, number>();
  let added = 0;
  for (const rs of ordered) {
    let proportion = 0;
    const size = rs.spec.replicas ?? 0;
    if (toAdd !== 0 && size !== 0 && toAdd !== added) {
      const f = fraction(rs, d);
      const allowedLeft = toAdd - added;
      proportion = toAdd > 0 ? Math.min(f, allowedLeft) : Math.max(f, allowedLeft);
    }
    sizes.set(rs, size + proportion);
    added += proportion;
  }
  if (ordered.length && added !== toAdd) {
    const first = ordered[0];
    sizes.set(first, Math.max(0, sizes.get(first)! + toAdd - added));
  }
  return { sizes, toAdd };
}

export async function scale(s: DeploymentSync, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]) {
  const d = s.d;
  const only = findActiveOrLatest(newRS, oldRSs);
  if (only) {
    if ((only.spec.replicas ?? 1) !== replicasOf(d)) await s.scaleReplicaSet(only, replicasOf(d));
    return;
  }
  // The new set already holds everything: the old ones can go.
  if (isSaturated(d, newRS)) {
    for (const old of activeOnly(oldRSs)) await s.scaleReplicaSet(old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const { sizes } = proportionalSizes(d, activeOnly([...oldRSs, newRS]));
  for (const [rs, size] of sizes) await s.scaleReplicaSet(rs, size);
}
