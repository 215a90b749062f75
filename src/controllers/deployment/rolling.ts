// The RollingUpdate strategy (pkg/controller/deployment/rolling.go): scale the new ReplicaSet up as
// far as maxSurge allows, scale old ones down as far as maxUnavailable allows (unhealthy replicas
// first), and repeat on every change until only the new set has replicas.

import type { ReplicaSet } from '../util/workload-types.js';
import { maxUnavailable } from './fenceposts.js';
import { activeOnly, byCreation, sumSpecReplicas } from './replicasets.js';
import { deploymentComplete } from './status.js';
import { newReplicaSetReplicas, type DeploymentSync } from './sync.js';
import { replicasOf } from './types.js';

export async function rolloutRolling(s: DeploymentSync) {
  const { newRS, oldRSs } = await s.getAllReplicaSets(true);
  const allRSs = [...oldRSs, newRS!];
  if (await reconcileNewReplicaSet(s, allRSs, newRS!)) return s.syncRolloutStatus(allRSs, newRS);
  if (await reconcileOldReplicaSets(s, allRSs, activeOnly(oldRSs), newRS!)) return s.syncRolloutStatus(allRSs, newRS);
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanup(oldRSs);
  return s.syncRolloutStatus(allRSs, newRS);
}

async function reconcileNewReplicaSet(s: DeploymentSync, allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const want = replicasOf(s.d);
  const size = newRS.spec.replicas ?? 0;
  if (size === want) return false;
  if (size > want) return s.scaleReplicaSet(newRS, want);
  return s.scaleReplicaSet(newRS, newReplicaSetReplicas(s.d, allRSs, newRS));
}

async function reconcileOldReplicaSets(s: DeploymentSync, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  if (sumSpecReplicas(oldRSs) === 0) return false;
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  const newUnavailable = (newRS.spec.replicas ?? 0) - (newRS.status?.availableReplicas ?? 0);
  // Never take away more than keeps minAvailable, counting new pods that are not available yet.
  const maxScaledDown = sumSpecReplicas(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = await cleanupUnhealthyReplicas(s, oldRSs, maxScaledDown);
  const scaled = await scaleDownOldForRollingUpdate(s, [...oldRSs, newRS], oldRSs);
  return cleaned + scaled > 0;
}

/** Old replicas that are not available cost nothing to remove: remove them first. */
async function cleanupUnhealthyReplicas(s: DeploymentSync, oldRSs: ReplicaSet[], maxCleanup: number): Promise<number> {
  let total = 0;
  for (const rs of oldRSs.slice().sort(byCreation)) {
    if (total >= maxCleanup) break;
    const size = rs.spec.replicas ?? 0;
    const unhealthy = size - (rs.status?.availableReplicas ?? 0);
    if (size === 0 || unhealthy <= 0) continue;
    const n = Math.min(maxCleanup - total, unhealthy);
    await s.scaleReplicaSet(rs, size - n);
    total += n;
  }
  return total;
}

/** Scale old sets down (oldest first) while availability stays at or above minAvailable. */
async function scaleDownOldForRollingUpdate(s: DeploymentSync, allRSs: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
  const minAvailable = replicasOf(s.d) - maxUnavailable(s.d);
  // A set scaled down keeps at most spec.replicas pods (its controller deletes unavailable ones
  // first), even while its status still counts the ones being deleted: never count those twice.
  const available = allRSs.reduce((n, rs) => n + Math.min(rs.status?.availableReplicas ?? 0, rs.spec.replicas ?? 0), 0);
  if (available <= minAvailable) return 0;
  const target = available - minAvailable;
  let total = 0;
  for (const rs of oldRSs.slice().sort(byCreation)) {
    if (total >= target) break;
    const size = rs.spec.replicas ?? 0;
    if (size === 0) continue;
    const n = Math.min(size, target - total);
    await s.scaleReplicaSet(rs, size - n);
    total += n;
  }
  return total;
}
