// The CSI volumes published for a pod on this node, as the mounter recorded them in vol_data.json
// beside each target path (src/csi/paths.ts). Node expansion and volume stats read them from there,
// so they see exactly what is mounted, also after an agent restart. Read-only here: the mounter
// writes them. Every file is untrusted input (a corrupted or planted file must cost a bounded read
// and be skipped), so sizes, counts and shapes are checked.

import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { podVolumeDataFile, type PodVolumeData } from '../../csi/paths.js';
import { ifMissing } from '../../util/best-effort.js';

/** More CSI volumes than this on one pod is not a real pod: the rest is ignored. */
const MAX_VOLUMES_PER_POD = 256;
/** vol_data.json is a few hundred bytes. */
const MAX_FILE_BYTES = 64 * 1024;

export interface PublishedVolume {
  podUid: string;
  data: PodVolumeData;
}

const str = (v: unknown, max = 4096): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/** The record if it has the shape the mounter writes, else undefined. */
export function parseVolumeData(text: string): PodVolumeData | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
  if (!str(o.driverName, 253) || !str(o.volumeHandle) || !str(o.pvName, 253) || !str(o.specVolumeName, 253) || !str(o.namespace, 63) || !str(o.targetPath)) return undefined;
  if (o.claimName !== undefined && !str(o.claimName, 253)) return undefined;
  if (o.stagingPath !== undefined && !str(o.stagingPath)) return undefined;
  if (o.volumeMode !== 'Filesystem' && o.volumeMode !== 'Block') return undefined;
  return {
    driverName: o.driverName,
    volumeHandle: o.volumeHandle,
    pvName: o.pvName,
    specVolumeName: o.specVolumeName,
    namespace: o.namespace,
    ...(o.claimName !== undefined ? { claimName: o.claimName as string } : {}),
    volumeMode: o.volumeMode,
    ...(o.stagingPath !== undefined ? { stagingPath: o.stagingPath as string } : {}),
    targetPath: o.targetPath,
  };
}

async function readBounded(path: string): Promise<string | undefined> {
  const fh = await open(path, 'r').catch(ifMissing);
  if (!fh) return undefined;
  try {
    const buf = Buffer.alloc(MAX_FILE_BYTES + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return bytesRead > MAX_FILE_BYTES ? undefined : buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** The CSI volumes published for one pod (its directory podDir), from their vol_data.json files. */
export async function publishedVolumes(podUid: string, podDir: string): Promise<PublishedVolume[]> {
  const csiDir = join(podDir, 'volumes', 'kubernetes.io~csi');
  const names = (await readdir(csiDir).catch(() => [] as string[])).slice(0, MAX_VOLUMES_PER_POD);
  const out: PublishedVolume[] = [];
  for (const pvName of names) {
    const text = await readBounded(podVolumeDataFile(podDir, pvName));
    const data = text === undefined ? undefined : parseVolumeData(text);
    if (data) out.push({ podUid, data });
  }
  return out;
}
