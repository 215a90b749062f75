// VolumeRestrictions (Kubernetes' volumerestrictions plugin): a ReadWriteOncePod claim may be used by
// one pod in the whole cluster, so a pod using one that another (placed or assumed) pod already uses
// fits nowhere. The verdict is Unschedulable, not unresolvable: preemption may evict the other pod
// (the check counts the what-if cluster preemption hands in). Plus the in-tree disk conflicts: the
// same GCE PD, AWS EBS volume, RBD image or iSCSI LUN used read-write by two pods on one node.

import { unresolvable, unschedulable, type ClusterView, type CycleState, type Plugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import { asArray, type Pod } from '../types.js';
import { podClaims } from '../volumes/claims.js';
import type { VolumeListers } from '../volumes/types.js';

export const ERR_RWOP_CONFLICT = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';
export const ERR_DISK_CONFLICT = 'node(s) had no available disk';

/** "namespace/claim" of the pod's persistentVolumeClaim volumes whose claims are ReadWriteOncePod (Kubernetes looks only at those). */
export function readWriteOncePodClaims(pod: Pod, listers: VolumeListers): string[] | { missing: string } {
  const ns = pod.metadata?.namespace ?? 'default';
  const out: string[] = [];
  for (const c of podClaims(pod)) {
    if (c.ephemeral) continue;
    const pvc = listers.pvc(ns, c.name);
    if (!pvc) return { missing: c.name };
    if (asArray<string>(pvc.spec?.accessModes).includes('ReadWriteOncePod')) out.push(`${ns}/${c.name}`);
  }
  return out;
}

/** Whether some pod in the cluster view other than `self` uses the claim. */
export function claimInUse(key: string, cluster: ClusterView, self: string): boolean {
  for (const n of cluster.nodes) {
    const count = n.pvcRefCounts.get(key);
    if (!count) continue;
    // The pod itself may be counted (assumed earlier and being retried): discount it.
    if (count > 1 || !n.pods.has(self)) return true;
  }
  return false;
}

type Disk = { kind: string; id: string; readOnly: boolean };

/** The in-tree disks a pod mounts that two pods may not share read-write. */
function disks(pod: Pod): Disk[] {
  const out: Disk[] = [];
  for (const v of asArray<Record<string, Record<string, unknown> | undefined>>(pod.spec?.volumes)) {
    if (!v || typeof v !== 'object') continue;
    const ro = (s: Record<string, unknown>) => s.readOnly === true;
    if (v.gcePersistentDisk) out.push({ kind: 'gce', id: String(v.gcePersistentDisk.pdName), readOnly: ro(v.gcePersistentDisk) });
    // EBS volumes cannot be shared even read-only.
    if (v.awsElasticBlockStore) out.push({ kind: 'ebs', id: String(v.awsElasticBlockStore.volumeID), readOnly: false });
    if (v.rbd) out.push({ kind: 'rbd', id: `${String(v.rbd.pool ?? 'rbd')}/${String(v.rbd.image)}`, readOnly: ro(v.rbd) });
    if (v.iscsi) out.push({ kind: 'iscsi', id: String(v.iscsi.iqn), readOnly: ro(v.iscsi) });
  }
  return out;
}

export function diskConflict(pod: Pod, node: NodeInfo): boolean {
  const mine = disks(pod);
  if (mine.length === 0) return false;
  for (const other of node.pods.values()) {
    for (const d of disks(other.pod)) {
      if (mine.some((m) => m.kind === d.kind && m.id === d.id && !(m.readOnly && d.readOnly))) return true;
    }
  }
  return false;
}

const KEY = 'VolumeRestrictions';

export function volumeRestrictions(listers: VolumeListers): Plugin {
  return {
    name: 'VolumeRestrictions',
    preFilter(state: CycleState, pod: PodInfo, cluster: ClusterView) {
      state.write(KEY, disks(pod.pod).length > 0);
      if (pod.claims.length === 0) return undefined;
      const rwop = readWriteOncePodClaims(pod.pod, listers);
      if ('missing' in rwop) return unresolvable(`persistentvolumeclaim "${rwop.missing}" not found`);
      if (rwop.some((k) => claimInUse(k, cluster, pod.key))) return unschedulable(ERR_RWOP_CONFLICT);
      return undefined;
    },
    filter(state, pod, node) {
      if (!state.read<boolean>(KEY)) return undefined;
      return diskConflict(pod.pod, node) ? unschedulable(ERR_DISK_CONFLICT) : undefined;
    },
  };
}
