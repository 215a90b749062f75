// The host's devices, for privileged containers: containerd gives them every device node of the
// host's /dev (runc creates them in the container's /dev), except the per-container ones (pts, shm,
// mqueue, console) that the runtime makes itself.

import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface OciDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

const SKIP = new Set(['/dev/pts', '/dev/shm', '/dev/mqueue', '/dev/fd', '/dev/console', '/dev/ptmx', '/dev/.lxc', '/dev/.udev']);

/** Linux's dev_t split (glibc's gnu_dev_major/minor). */
export const devMajor = (rdev: number) => Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
export const devMinor = (rdev: number) => Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));

export function hostDevices(dir = '/dev'): OciDevice[] {
  const out: OciDevice[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    if (SKIP.has(p)) continue;
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) out.push(...hostDevices(p));
    else if (st.isCharacterDevice() || st.isBlockDevice()) {
      out.push({ path: p, type: st.isCharacterDevice() ? 'c' : 'b', major: devMajor(st.rdev), minor: devMinor(st.rdev), fileMode: st.mode & 0o777, uid: st.uid, gid: st.gid });
    }
  }
  return out;
}
