// How much local disk a pod uses, as the kubelet counts ephemeral storage: its emptyDir volumes and
// other files in the pod's directory, its containers' logs and their writable layers. Walks the
// trees without following symlinks and without entering other filesystems (tmpfs emptyDirs and
// secret volumes count as memory, not disk), with a budget of entries so a pod with millions of
// files costs a bounded walk per eviction decision (its usage is then a lower bound, which still
// ranks it high).

import { lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { ifMissing } from '../../util/best-effort.js';

export interface DiskUsage {
  /** Allocated bytes (blocks × 512, as du counts). */
  bytes: number;
  /** Files, directories and links. */
  inodes: number;
}

/** Entries one measurement may visit, across all its paths. */
export const DEFAULT_ENTRY_BUDGET = 200_000;

/** Usage under each path, summed; a missing path counts nothing. */
export async function diskUsage(paths: string[], budget = DEFAULT_ENTRY_BUDGET): Promise<DiskUsage> {
  const total: DiskUsage = { bytes: 0, inodes: 0 };
  let left = budget;
  for (const root of paths) {
    const top = await lstat(root).catch(ifMissing);
    if (!top) continue;
    const dev = top.dev;
    const stack = [root];
    total.bytes += top.blocks * 512;
    total.inodes++;
    left--;
    if (!top.isDirectory()) continue;
    while (stack.length > 0 && left > 0) {
      const dir = stack.pop()!;
      const handle = await opendir(dir).catch(ifMissing);
      if (!handle) continue;
      for await (const entry of handle) {
        if (--left < 0) break;
        const p = join(dir, entry.name);
        const st = await lstat(p).catch(ifMissing);
        // Another filesystem mounted here (tmpfs, a bind mount): not this disk's usage.
        if (!st || st.dev !== dev) continue;
        total.bytes += st.blocks * 512;
        total.inodes++;
        if (st.isDirectory()) stack.push(p);
      }
    }
  }
  return total;
}
