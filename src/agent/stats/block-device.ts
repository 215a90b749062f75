// The block device a path's filesystem lives on ("/dev/sda1"), as cAdvisor labels filesystem
// series (device="..."): the mount whose major:minor matches the path's st_dev in mountinfo.

import { stat } from 'node:fs/promises';
import { readSmall } from './cgroup-reader.js';
import { ifMissing } from '../../util/best-effort.js';

/** Linux's dev_t encoding (glibc's gnu_dev_major/minor). */
export function majorMinor(dev: number): string {
  const d = BigInt(dev);
  const major = ((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn);
  const minor = (d & 0xffn) | ((d >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** The source of the first mountinfo line with this major:minor ("36 25 8:1 / / rw - ext4 /dev/sda1 rw"). */
export function sourceOfDevice(mountinfo: string, mm: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f[2] !== mm) continue;
    const dash = f.indexOf('-', 6);
    if (dash > 0 && f[dash + 2]) return f[dash + 2];
  }
  return undefined;
}

export async function blockDeviceOf(path: string, procRoot = '/proc'): Promise<string | undefined> {
  const st = await stat(path).catch(ifMissing);
  if (!st) return undefined;
  return sourceOfDevice(readSmall(`${procRoot}/self/mountinfo`) ?? '', majorMinor(st.dev));
}
