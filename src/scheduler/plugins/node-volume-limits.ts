// NodeVolumeLimits (Kubernetes' CSILimits): a node's CSINode says how many volumes of each CSI driver
// it can attach (spec.drivers[].allocatable.count); the distinct volumes of a driver used by the
// node's pods plus this pod's new ones must fit. A claim counts by its bound PV's driver and handle,
// or, unbound, by its class's provisioner and a per-claim placeholder. Unschedulable, so preemption
// may free room.

import { unresolvable, unschedulable, type CycleState, type Plugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';
import type { Pod } from '../types.js';
import { podClaims } from '../volumes/claims.js';
import { claimClass, type Pvc } from '../../api/storage/types.js';
import type { VolumeListers } from '../volumes/types.js';

export const ERR_MAX_VOLUME_COUNT = 'node(s) exceed max volume count';

/** The claim's CSI driver and a handle unique per volume, or undefined when it is not a CSI volume. */
export function csiVolumeOf(pvc: Pvc, listers: VolumeListers): { driver: string; handle: string } | undefined {
  const pvName = pvc.spec?.volumeName;
  const pv = pvName ? listers.pv(pvName) : undefined;
  if (pv) {
    const driver = pv.spec?.csi?.driver;
    const handle = pv.spec?.csi?.volumeHandle;
    return typeof driver === 'string' && driver && typeof handle === 'string' && handle ? { driver, handle } : undefined;
  }
  const cls = claimClass(pvc);
  const provisioner = cls ? listers.storageClass(cls)?.provisioner : undefined;
  if (typeof provisioner !== 'string' || !provisioner) return undefined;
  return { driver: provisioner, handle: `${pvc.metadata?.namespace}-${pvc.metadata?.name}` };
}

/** "driver/handle" → driver for the pod's CSI volumes; a new pod's missing claim is an error, an existing pod's is skipped. */
export function csiVolumes(pod: Pod, listers: VolumeListers, out: Map<string, string>, newPod: boolean): string | undefined {
  const ns = pod.metadata?.namespace ?? 'default';
  for (const c of podClaims(pod)) {
    const pvc = listers.pvc(ns, c.name);
    if (!pvc) {
      if (newPod) return `looking up PVC ${ns}/${c.name}: persistentvolumeclaim "${c.name}" not found`;
      continue;
    }
    const v = csiVolumeOf(pvc, listers);
    if (v) out.set(`${v.driver}/${v.handle}`, v.driver);
  }
  return undefined;
}

/** Per-driver attach limits from the node's CSINode. */
export function nodeLimits(node: NodeInfo, listers: VolumeListers): Map<string, number> {
  const limits = new Map<string, number>();
  const csiNode = listers.csiNode(node.name);
  for (const d of Array.isArray(csiNode?.spec?.drivers) ? csiNode.spec.drivers : []) {
    const count = d?.allocatable?.count;
    if (typeof d?.name === 'string' && typeof count === 'number' && Number.isFinite(count)) limits.set(d.name, count);
  }
  return limits;
}

export function exceedsLimits(pod: PodInfo, node: NodeInfo, listers: VolumeListers): string | undefined {
  if (pod.claims.length === 0) return undefined;
  const fresh = new Map<string, string>();
  const err = csiVolumes(pod.pod, listers, fresh, true);
  if (err) return err;
  if (fresh.size === 0) return undefined;
  const limits = nodeLimits(node, listers);
  if (limits.size === 0) return undefined;
  const attached = new Map<string, string>();
  for (const p of node.pods.values()) if (p.key !== pod.key && p.claims.length) csiVolumes(p.pod, listers, attached, false);
  const attachedCount = new Map<string, number>();
  for (const [name, driver] of attached) {
    fresh.delete(name); // a volume already used on the node is not attached twice
    attachedCount.set(driver, (attachedCount.get(driver) ?? 0) + 1);
  }
  const newCount = new Map<string, number>();
  for (const driver of fresh.values()) newCount.set(driver, (newCount.get(driver) ?? 0) + 1);
  for (const [driver, n] of newCount) {
    const max = limits.get(driver);
    if (max !== undefined && (attachedCount.get(driver) ?? 0) + n > max) return ERR_MAX_VOLUME_COUNT;
  }
  return undefined;
}

export function nodeVolumeLimits(listers: VolumeListers): Plugin {
  return {
    name: 'NodeVolumeLimits',
    filter(_s: CycleState, pod, node) {
      const r = exceedsLimits(pod, node, listers);
      if (!r) return undefined;
      return r === ERR_MAX_VOLUME_COUNT ? unschedulable(r) : unresolvable(r);
    },
  };
}
