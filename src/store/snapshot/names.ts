// Snapshot names and where their files live. A name is a single path component of a small alphabet:
// a hostile name (`../x`, `/etc/passwd`, a kilobyte of letters) never reaches the filesystem.

import { join } from 'node:path';
import { SNAPSHOT_SUFFIX, SnapshotError } from './format.js';

export const MAX_NAME = 100;
/** Prefix of the snapshots the server's schedule takes; retention prunes only these. */
export const SCHEDULED_PREFIX = 'scheduled-';
export const ON_DEMAND_PREFIX = 'on-demand-';

export function checkName(name: string): string {
  if (name.length === 0 || name.length > MAX_NAME) throw new SnapshotError(`snapshot name must be 1-${MAX_NAME} characters, not ${name.length}`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes('..')) throw new SnapshotError(`snapshot name ${JSON.stringify(name.slice(0, MAX_NAME))} may hold only letters, digits, ".", "_" and "-" (starting with a letter or digit, no "..")`);
  return name;
}

/** The default name: prefix plus a sortable UTC timestamp (milliseconds, so two saves in a second differ). */
export function timestampedName(prefix: string, at = new Date()): string {
  return prefix + at.toISOString().replace(/[-:]/g, '').replace('.', '-').replace('Z', 'z');
}

export const snapshotPath = (dir: string, name: string) => join(dir, checkName(name) + SNAPSHOT_SUFFIX);
export const defaultSnapshotDir = (dataDir: string) => join(dataDir, 'snapshots');
