// A raw block volume handed to a container (volumeDevices): the device node the CSI driver published
// at the pod's block path, read back as type and major/minor numbers so the runtime can create the
// same device at the container's devicePath and allow it in the container's device cgroup.

import { stat } from 'node:fs/promises';
import { devMajor, devMinor } from '../security/devices.js';
import { ifMissing } from '../../util/best-effort.js';

export interface BlockDevice {
  /** Where the device node is on the host (the pod's block path, a bind mount of the driver's device). */
  hostPath: string;
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

/** The block device at path (symlinks followed), or undefined when path is not one. */
export async function blockDeviceAt(path: string): Promise<BlockDevice | undefined> {
  const st = await stat(path).catch(ifMissing);
  if (!st?.isBlockDevice()) return undefined;
  return { hostPath: path, major: devMajor(st.rdev), minor: devMinor(st.rdev), fileMode: st.mode & 0o777, uid: st.uid, gid: st.gid };
}
