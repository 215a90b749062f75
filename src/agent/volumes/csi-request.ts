// What the kubelet's csi volume plugin puts into NodeStage/NodePublish requests, as pure functions:
// the VolumeCapability from the PV (first access mode, volume mode, fsType, mount options), the pod
// information a podInfoOnMount driver gets in its volume context, and whether the pod's fsGroup
// applies to a volume under the driver's fsGroupPolicy.

import type { AccessModeName, NodeCapabilityName, VolumeCapability } from '../../csi/types.js';
import type { Pod } from '../pods/types.js';
import type { PersistentVolumeObject, VolumeMode } from './claims.js';

/** The parts of a storage.k8s.io/v1 CSIDriver the mounter reads. */
export interface CsiDriverObject {
  spec?: { attachRequired?: boolean; podInfoOnMount?: boolean; fsGroupPolicy?: string; requiresRepublish?: boolean; volumeLifecycleModes?: string[]; tokenRequests?: { audience?: string; expirationSeconds?: number }[] };
}

/** The parts of a storage.k8s.io/v1 VolumeAttachment the mounter reads. */
export interface VolumeAttachmentObject {
  metadata?: { deletionTimestamp?: string };
  status?: { attached?: boolean; attachmentMetadata?: Record<string, string>; attachError?: { message?: string } };
}

/**
 * The kubelet's access mode translation (csi_client asCSIAccessModeV1), from the PV's first access
 * mode; a driver with SINGLE_NODE_MULTI_WRITER gets the finer single-node modes.
 */
export function accessModeOf(pvModes: string[] | undefined, nodeCaps: ReadonlySet<NodeCapabilityName>): AccessModeName {
  const mode = pvModes?.[0] ?? 'ReadWriteOnce';
  const fine = nodeCaps.has('SINGLE_NODE_MULTI_WRITER');
  switch (mode) {
    case 'ReadOnlyMany':
      return 'MULTI_NODE_READER_ONLY';
    case 'ReadWriteMany':
      return 'MULTI_NODE_MULTI_WRITER';
    case 'ReadWriteOncePod':
      return fine ? 'SINGLE_NODE_SINGLE_WRITER' : 'SINGLE_NODE_WRITER';
    default:
      return fine ? 'SINGLE_NODE_MULTI_WRITER' : 'SINGLE_NODE_WRITER';
  }
}

export function volumeCapability(pv: PersistentVolumeObject, mode: VolumeMode, nodeCaps: ReadonlySet<NodeCapabilityName>, volumeMountGroup?: string): VolumeCapability {
  const accessMode = { mode: accessModeOf(pv.spec?.accessModes, nodeCaps) };
  if (mode === 'Block') return { block: {}, accessMode };
  const fsType = pv.spec?.csi?.fsType;
  const mountFlags = pv.spec?.mountOptions;
  return { mount: { ...(fsType ? { fsType } : {}), ...(mountFlags?.length ? { mountFlags: [...mountFlags] } : {}), ...(volumeMountGroup ? { volumeMountGroup } : {}) }, accessMode };
}

/** The pod's identity as a podInfoOnMount driver gets it in NodePublishVolume's volume_context. */
export function podInfoContext(pod: Pod, ephemeral = false): Record<string, string> {
  return {
    'csi.storage.k8s.io/pod.name': pod.metadata.name,
    'csi.storage.k8s.io/pod.namespace': pod.metadata.namespace,
    'csi.storage.k8s.io/pod.uid': pod.metadata.uid,
    'csi.storage.k8s.io/serviceAccount.name': pod.spec.serviceAccountName || 'default',
    // Whether it is an inline ephemeral volume (the driver makes it for this pod) or a PV.
    'csi.storage.k8s.io/ephemeral': String(ephemeral),
  };
}

export type FsGroupPolicy = 'ReadWriteOnceWithFSType' | 'File' | 'None';

/** The driver's fsGroupPolicy; ReadWriteOnceWithFSType when it has no CSIDriver object or leaves it unset. */
export const fsGroupPolicyOf = (driver: CsiDriverObject | undefined): FsGroupPolicy => {
  const p = driver?.spec?.fsGroupPolicy;
  return p === 'File' || p === 'None' ? p : 'ReadWriteOnceWithFSType';
};

/**
 * Whether the kubelet changes a CSI volume's ownership for the pod's fsGroup (csiMountMgr
 * supportsFSGroup): never read-only volumes or without fsGroup; File: always; None: never;
 * ReadWriteOnceWithFSType: only with an fsType and a ReadWriteOnce access mode.
 */
export function fsGroupApplies(o: { fsGroup?: number; policy: FsGroupPolicy; readOnly: boolean; fsType?: string; accessModes?: string[] }): boolean {
  if (o.fsGroup === undefined || o.policy === 'None' || o.readOnly) return false;
  if (o.policy === 'File') return true;
  if (!o.fsType) return false;
  return (o.accessModes ?? []).includes('ReadWriteOnce');
}
