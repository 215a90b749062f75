// The snapshots in a directory: list (from each file's header, without reading payloads), delete by
// name, and prune to a retention count. Files that are not snapshots are left alone; a damaged
// snapshot is listed with its error so it can be deleted.

import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readHeader, SNAPSHOT_SUFFIX, type SnapshotMeta, SnapshotError } from './format.js';
import { checkName, SCHEDULED_PREFIX, snapshotPath } from './names.js';
import { ifMissing } from '../../util/best-effort.js';

/** More snapshot files than this in one directory is not a backup directory we should walk. */
const MAX_LISTED = 10_000;

export interface Listed {
  name: string;
  file: string;
  size: number;
  meta?: SnapshotMeta;
  error?: string;
}

export async function listSnapshots(dir: string): Promise<Listed[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const files = names.filter((n) => n.endsWith(SNAPSHOT_SUFFIX) && !n.startsWith('.')).slice(0, MAX_LISTED);
  const out: Listed[] = [];
  for (const n of files) {
    const file = join(dir, n);
    const name = n.slice(0, -SNAPSHOT_SUFFIX.length);
    const size = (await stat(file).catch(ifMissing))?.size ?? 0;
    try {
      out.push({ name, file, size, meta: (await readHeader(file)).meta });
    } catch (e) {
      out.push({ name, file, size, error: (e as Error).message });
    }
  }
  // Newest first (in the same millisecond, the greater name: timestamped names sort as their times); damaged ones last.
  return out.sort((a, b) => (b.meta?.createdAt ?? '').localeCompare(a.meta?.createdAt ?? '') || b.name.localeCompare(a.name));
}

export async function deleteSnapshot(dir: string, name: string): Promise<string> {
  const file = snapshotPath(dir, checkName(name));
  try {
    await rm(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new SnapshotError(`no snapshot named ${name} in ${dir}`);
    throw e;
  }
  return file;
}

export function checkRetention(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > 100_000) throw new SnapshotError(`retention must be a whole number from 1 to 100000, not ${n}`);
  return n;
}

/**
 * Keeps the newest `retention` snapshots whose name starts with `prefix` (default: the scheduled
 * ones, as k3s prunes only its own), deletes older ones; returns the deleted names.
 */
export async function pruneSnapshots(dir: string, retention: number, prefix = SCHEDULED_PREFIX): Promise<string[]> {
  checkRetention(retention);
  const mine = (await listSnapshots(dir)).filter((s) => s.meta && s.name.startsWith(prefix));
  const doomed = mine.slice(retention);
  for (const s of doomed) await rm(s.file, { force: true });
  return doomed.map((s) => s.name);
}
