// Where CSI things live on a node, in the kubelet's layout under the agent's directory (`agentDir`,
// <data dir>/agent). One place, so the plugin watcher, the mounter, the node-side expander and the
// orphan cleanup agree. Third-party drivers whose manifests hard-code /var/lib/kubelet run with the
// agent's --kubelet-dir /var/lib/kubelet, which becomes agentDir for these paths.

import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Sockets of node-driver-registrar and of built-in drivers announce themselves here (kubelet's plugins_registry). */
export const pluginRegistryDir = (agentDir: string) => join(agentDir, 'plugins_registry');
/** A driver's own directory; its CSI endpoint is conventionally csi.sock in it. */
export const driverDir = (agentDir: string, driver: string) => join(agentDir, 'plugins', driver);
export const driverSocket = (agentDir: string, driver: string) => join(driverDir(agentDir, driver), 'csi.sock');

const handleHash = (volumeHandle: string) => createHash('sha256').update(volumeHandle).digest('hex');

/** NodeStageVolume's staging_target_path: one per volume per node, shared by every pod using it. */
export const stagingPath = (agentDir: string, driver: string, volumeHandle: string) => join(agentDir, 'plugins', 'kubernetes.io', 'csi', driver, handleHash(volumeHandle), 'globalmount');
/** Staging path of a raw block volume (the driver publishes the device under it). */
export const blockStagingPath = (agentDir: string, driver: string, volumeHandle: string) => join(agentDir, 'plugins', 'kubernetes.io', 'csi', 'volumeDevices', 'staging', driver, handleHash(volumeHandle));

/** NodePublishVolume's target_path for a filesystem volume of a pod (a directory the container bind-mounts). */
export const podMountPath = (podDir: string, pvName: string) => join(podDir, 'volumes', 'kubernetes.io~csi', pvName, 'mount');
/** Written beside podMountPath: {driverName, volumeHandle, pvName, staged} so an agent restart can unpublish orphans. */
export const podVolumeDataFile = (podDir: string, pvName: string) => join(podDir, 'volumes', 'kubernetes.io~csi', pvName, 'vol_data.json');
/** NodePublishVolume's target_path for a raw block volume of a pod (a file the device is bind-mounted on). */
export const podBlockPath = (podDir: string, pvName: string) => join(podDir, 'volumeDevices', 'kubernetes.io~csi', pvName);

/** The content of vol_data.json (podVolumeDataFile): what the mounter published for a pod, enough to undo it without the API. */
export interface PodVolumeData {
  driverName: string;
  volumeHandle: string;
  pvName: string;
  /** The pod's volume name (spec.volumes[].name) and the claim behind it. */
  specVolumeName: string;
  namespace: string;
  claimName?: string;
  volumeMode: 'Filesystem' | 'Block';
  /** Staging path when the driver stages (STAGE_UNSTAGE_VOLUME), released when the last pod on the node unpublishes. */
  stagingPath?: string;
  targetPath: string;
}
