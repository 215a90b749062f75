// The server's snapshot flags: the schedule (on by default, as k3s' etcd snapshots: every 12 hours,
// five kept), where snapshots go, and --restore-from to rebuild the data dir before starting.

import { resolve } from 'node:path';
import { CronError, parseCron } from '../util/cron.js';
import { type FlagTable, UsageError } from './args.js';

export const DEFAULT_SNAPSHOT_SCHEDULE = '0 */12 * * *';
export const DEFAULT_SNAPSHOT_RETENTION = 5;

export const SNAPSHOT_FLAG_TABLE: FlagTable = {
  'snapshot-schedule': { type: 'string', value: 'CRON', help: 'when to snapshot the store (5-field cron, local time; "off" disables)', default: DEFAULT_SNAPSHOT_SCHEDULE },
  'snapshot-retention': { type: 'string', value: 'N', help: 'how many scheduled snapshots to keep', default: String(DEFAULT_SNAPSHOT_RETENTION) },
  'snapshot-dir': { type: 'string', value: 'DIR', help: 'where snapshots are written', default: 'DATA/snapshots' },
  'restore-from': { type: 'string', value: 'FILE', help: 'rebuild the data dir from this snapshot before starting (once per snapshot)' },
};

export interface SnapshotSettings {
  /** Absent: no scheduled snapshots. */
  schedule?: string;
  retention: number;
  /** Absent: DATA/snapshots. */
  dir?: string;
  restoreFrom?: string;
}

export function retentionOf(v: string | boolean | undefined, flag = 'snapshot-retention'): number {
  if (v === undefined) return DEFAULT_SNAPSHOT_RETENTION;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d{1,6}$/.test(v) || n < 1) throw new UsageError(`--${flag} must be a whole number of at least 1, not "${String(v)}"`);
  return n;
}

export function snapshotSettingsOf(f: Record<string, string | boolean | undefined>): SnapshotSettings {
  const raw = f['snapshot-schedule'] as string | undefined;
  let schedule: string | undefined = raw ?? DEFAULT_SNAPSHOT_SCHEDULE;
  if (schedule.trim() === '' || schedule.trim().toLowerCase() === 'off') schedule = undefined;
  else {
    try {
      parseCron(schedule);
    } catch (e) {
      if (e instanceof CronError) throw new UsageError(`--snapshot-schedule: ${e.message}`);
      throw e;
    }
  }
  const dir = f['snapshot-dir'] as string | undefined;
  const restoreFrom = f['restore-from'] as string | undefined;
  return { schedule, retention: retentionOf(f['snapshot-retention']), dir: dir ? resolve(dir) : undefined, restoreFrom: restoreFrom ? resolve(restoreFrom) : undefined };
}
