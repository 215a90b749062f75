// The kubelet's volume ownership for a pod's fsGroup (SetVolumeOwnership): every file and directory
// of the volume is given the group, group read (and write unless read-only), and directories the
// setgid and search bits, so files created later inherit the group. fsGroupChangePolicy
// OnRootMismatch skips the walk when the volume root already looks right (its gid, setgid, the
// permissions), which keeps big volumes from being walked on every mount.

import { chmod, lchown, lstat, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import { ifMissing } from '../../util/best-effort.js';

const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

/** A walk never visits more than this many entries: a hostile or huge volume cannot pin the agent. */
export const FS_GROUP_MAX_ENTRIES = 1_000_000;

export interface FsGroupResult {
  /** Entries changed (or visited). */
  entries: number;
  /** The walk was skipped: OnRootMismatch and the root already matches. */
  skipped: boolean;
  /** The walk stopped at maxEntries: the rest of the volume keeps its ownership. */
  truncated: boolean;
}

/** Whether the volume root lacks what fsGroup would give it (kubelet's requiresPermissionChange). */
export async function requiresPermissionChange(root: string, gid: number, readOnly: boolean): Promise<boolean> {
  const st = await lstat(root).catch(ifMissing);
  if (!st?.isDirectory()) return true;
  if (st.gid !== gid) return true;
  if ((st.mode & SETGID) === 0) return true;
  const wanted = (readOnly ? RO_MASK : RW_MASK) | EXEC_MASK;
  return (st.mode & wanted) !== wanted;
}

/**
 * Gives the volume at root to the group gid. policy: the pod's fsGroupChangePolicy ("Always" when
 * unset). Symbolic links are re-grouped but never followed nor chmod'ed; the walk is iterative
 * and bounded by maxEntries.
 */
export async function applyFsGroup(root: string, gid: number, readOnly: boolean, policy = 'Always', maxEntries = FS_GROUP_MAX_ENTRIES): Promise<FsGroupResult> {
  if (policy === 'OnRootMismatch' && !(await requiresPermissionChange(root, gid, readOnly))) return { entries: 0, skipped: true, truncated: false };
  const mask = readOnly ? RO_MASK : RW_MASK;
  const pending = [root];
  let entries = 0;
  while (pending.length) {
    const path = pending.pop()!;
    if (entries >= maxEntries) return { entries, skipped: false, truncated: true };
    entries++;
    const st = await lstat(path).catch(ifMissing);
    if (!st) continue; // removed while we walk
    await lchown(path, -1, gid);
    if (st.isSymbolicLink()) continue;
    await chmod(path, (st.mode & 0o7777) | mask | (st.isDirectory() ? SETGID | EXEC_MASK : 0));
    if (!st.isDirectory()) continue;
    const dir = await opendir(path).catch(ifMissing);
    if (!dir) continue;
    for await (const e of dir) {
      pending.push(join(path, e.name));
      // Never hold more names than we may still visit.
      if (pending.length > maxEntries - entries) break;
    }
  }
  return { entries, skipped: false, truncated: false };
}
