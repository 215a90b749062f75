// The Recreate strategy (pkg/controller/deployment/recreate.go): scale every old ReplicaSet to zero,
// wait until none of their pods is left running, then create or scale up the new one.

import type { Pod, ReplicaSet } from '../util/workload-types.js';
import { activeOnly, sumStatusReplicas } from './replicasets.js';
import { deploymentComplete } from './status.js';
import type { DeploymentSync } from './sync.js';
import { replicasOf } from './types.js';

export async function rolloutRecreate(s: DeploymentSync) {
  let { newRS, oldRSs } = await s.getAllReplicaSets(false);
  let allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
  let scaledDown = false;
  for (const rs of activeOnly(oldRSs)) if (await s.scaleReplicaSet(rs, 0)) scaledDown = true;
  if (scaledDown) return s.syncRolloutStatus(allRSs, newRS);
  if (oldPodsRunning(newRS, oldRSs, s.podsByRS)) return s.syncRolloutStatus(allRSs, newRS);
  if (!newRS) {
    ({ newRS, oldRSs } = await s.getAllReplicaSets(true));
    allRSs = [...oldRSs, newRS!];
  }
  await s.scaleReplicaSet(newRS!, replicasOf(s.d));
  if (deploymentComplete(s.d, s.d.status ?? {})) await s.cleanup(oldRSs);
  return s.syncRolloutStatus(allRSs, newRS);
}

function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podsByRS: Map<string, Pod[]>): boolean {
  if (sumStatusReplicas(oldRSs) > 0) return true;
  for (const [uid, pods] of podsByRS) {
    if (newRS && newRS.metadata.uid === uid) continue;
    // Finished pods are not running; anything else (even Unknown) might be.
    if (pods.some((p) => p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}
