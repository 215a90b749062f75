// A container's volumeDevices as the runtime gets them: each raw block volume of the pod becomes a
// device node at the container's devicePath, with the host device's numbers, owner and mode, and
// read-write access in the device cgroup (read-only when the pod's volume is).

import type { Container } from '../pods/types.js';
import type { ContainerDevice } from '../runtime/types.js';
import type { PreparedVolume } from './volumes.js';

/** The devices for container c, or an error message when one of its volumeDevices is not a block volume of the pod. */
export function containerDevices(c: Container, volumes: ReadonlyMap<string, PreparedVolume> | undefined): ContainerDevice[] | string {
  const out: ContainerDevice[] = [];
  for (const vd of c.volumeDevices ?? []) {
    const v = volumes?.get(vd.name);
    if (!v?.device) return `volume "${vd.name}" of volumeDevices is not a raw block volume of this pod`;
    const d = v.device;
    out.push({ path: vd.devicePath, type: 'b', major: d.major, minor: d.minor, fileMode: d.fileMode, uid: d.uid, gid: d.gid, access: v.readOnly ? 'r' : 'rw' });
  }
  return out;
}
