// `gifee server --cluster-reset [--restore FILE]` (k3s' --cluster-reset and
// --cluster-reset-restore-path): a managed etcd member whose peers are gone comes back as a cluster
// of one. Plain, it keeps its own data (etcd --force-new-cluster, managed-etcd.ts). With --restore,
// the data comes from a gifee snapshot of an etcd cluster: the whole file is checked first (a
// corrupt or truncated one changes nothing), the identity it carries (DATA/pki, node-token) is
// restored, and `etcdctl snapshot restore` builds a NEW etcd data dir that is swapped in by rename,
// the old one kept aside as DATA/etcd/data.old-TIME. The server then runs as usual.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fsyncDir } from '../../store/snapshot/atomic-write.js';
import { SnapshotError, verifySnapshot } from '../../store/snapshot/format.js';
import { restoreSnapshot } from '../../store/snapshot/restore.js';
import type { Logger } from '../../util/log.js';
import { SYSTEM_BIN_DIRS, which } from '../../util/which.js';
import { UsageError } from '../args.js';
import { type EtcdMemberSpec, peerUrlOf } from './args.js';
import { etcdDir, type MemberState, readMemberState } from './member-state.js';

/** What the early step hands to the member's start. */
export interface PreparedReset {
  /** Nothing to do: this snapshot was restored by an earlier start with the same flags. */
  done?: boolean;
  /** etcd's database from the snapshot, for etcdctl snapshot restore (absent: a plain reset). */
  db?: string;
  etcdctl?: string;
  /** The snapshot's checksum, recorded in DATA/restored-from once its data is in place. */
  sha256?: string;
}

/** The same marker as --restore-from: a service unit that keeps the flags does not roll back at every restart. */
const MARKER = 'restored-from';
/** Where the snapshot's etcd database waits for etcdctl (inside DATA/etcd: same filesystem, same permissions). */
export const stagedDb = (dataDir: string) => join(etcdDir(dataDir), 'restore.db');

/** Refusals before anything is written, each saying what to do instead. */
export function checkResetDataDir(dataDir: string, state: MemberState | undefined, hasSqlite: boolean, restore: boolean): void {
  if (state) return;
  if (hasSqlite) {
    throw new UsageError(
      restore
        ? `${dataDir} holds the embedded SQLite store, not a managed etcd member: restore the etcd snapshot into an empty --data-dir, or a SQLite snapshot with gifee snapshot restore FILE --data-dir ${dataDir}`
        : `${dataDir} holds the embedded SQLite store, not a managed etcd member: --cluster-reset is for etcd; a SQLite store is restored with gifee snapshot restore FILE --data-dir ${dataDir} (or gifee server --restore-from FILE)`,
    );
  }
  if (!restore) throw new UsageError(`${dataDir} holds no managed etcd member (no etcd/member.json), so there is nothing to reset: found a cluster with --cluster-init, or rebuild one from a snapshot with --cluster-reset --restore FILE`);
}

/** etcdctl's arguments that rebuild a data dir of one member from a database (etcd 3.4). */
export function etcdctlRestoreArgs(db: string, targetDir: string, spec: Pick<EtcdMemberSpec, 'name' | 'advertiseAddress' | 'peerPort' | 'initialClusterToken'>): string[] {
  const peer = peerUrlOf(spec);
  return ['snapshot', 'restore', db, '--data-dir', targetDir, '--name', spec.name, '--initial-cluster', `${spec.name}=${peer}`, '--initial-advertise-peer-urls', peer, '--initial-cluster-token', spec.initialClusterToken];
}

/**
 * Early in the start, before the PKI is read: refusals, then for --restore the checksum of the whole
 * file and the identity files; etcd's database is staged for restoreEtcdData.
 */
export async function prepareClusterReset(dataDir: string, reset: { restore?: string }, log: Logger): Promise<PreparedReset> {
  const state = await readMemberState(dataDir).catch((e: Error) => {
    throw new UsageError(e.message);
  });
  checkResetDataDir(dataDir, state, existsSync(join(dataDir, 'state.db')), reset.restore !== undefined);
  // Another server on this data dir runs the member: resetting it under that server would fork the cluster.
  // (Imported here: commands.js imports the flag tables, which import this file's importers.)
  const [{ gifeeProcessesUsing }, { defaultDataDir }] = await Promise.all([import('../running-gifee.js'), import('../commands.js')]);
  const busy = await gifeeProcessesUsing(dataDir, defaultDataDir());
  if (busy.length) throw new UsageError(`--cluster-reset: ${busy.map((p) => `${p.command} (pid ${p.pid})`).join(', ')} is using ${dataDir} and runs its etcd member; stop it first`);
  if (reset.restore === undefined) return {};
  const file = resolve(reset.restore);
  // Checked before anything is written: restoreSnapshot checks again as it extracts.
  const meta = await verifySnapshot(file).then(
    (v) => v.meta,
    (e: NodeJS.ErrnoException) => {
      if (e instanceof SnapshotError) throw new UsageError(`cannot restore ${file}: ${e.message}; nothing was changed`);
      if (e.code === 'ENOENT') throw new UsageError(`cannot restore: no such file ${file} (gifee snapshot ls lists the snapshots)`);
      throw e;
    },
  );
  if (meta.store !== 'etcd') throw new UsageError(`${file} is a snapshot of a SQLite store: restore it with gifee server --restore-from FILE (without --cluster-reset), into a data dir without etcd`);
  if ((await readFile(join(dataDir, MARKER), 'utf8').catch(() => '')).trim() === meta.sha256) {
    log.warn('--cluster-reset --restore: this snapshot was already restored into this data dir; starting without resetting again (remove the flags)', { file });
    return { done: true };
  }
  const etcdctl = await which('etcdctl', [...(process.env.PATH ?? '').split(':'), ...SYSTEM_BIN_DIRS]);
  if (!etcdctl) throw new UsageError('--cluster-reset --restore rebuilds etcd with etcdctl, which is not installed: apt-get install etcd-client (Debian)');
  await mkdir(etcdDir(dataDir), { recursive: true, mode: 0o700 });
  await restoreSnapshot({ file, dataDir, expectStore: 'etcd', etcdDbOut: stagedDb(dataDir) }).catch((e: Error) => {
    throw e instanceof SnapshotError ? new UsageError(`cannot restore ${file}: ${e.message}`) : e;
  });
  log.info('restored the cluster identity from an etcd snapshot', { file, revision: meta.revision, takenAt: meta.createdAt });
  return { db: stagedDb(dataDir), etcdctl, sha256: meta.sha256 };
}

const run = (cmd: string, args: string[]) =>
  new Promise<void>((ok, fail) => execFile(cmd, args, { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 300_000 }, (e, _out, err) => (e ? fail(new Error(`${cmd} ${args.slice(0, 2).join(' ')} failed: ${String(err).trim().split('\n').slice(-3).join(' ') || e.message}`)) : ok())));

/**
 * With etcd stopped: a new data dir from the staged database, swapped in by rename (the old one kept
 * as data.old-TIME). Interrupted, it is redone by the next start with the same flags (the marker is
 * written last).
 */
export async function restoreEtcdData(dataDir: string, prepared: PreparedReset, spec: EtcdMemberSpec, log: Logger): Promise<void> {
  if (!prepared.db || !prepared.etcdctl) return;
  const dir = etcdDir(dataDir);
  const building = join(dir, 'data.restoring');
  await rm(building, { recursive: true, force: true });
  await run(prepared.etcdctl, etcdctlRestoreArgs(prepared.db, building, spec));
  let keptAside: string | undefined;
  if (existsSync(spec.dataDir)) {
    keptAside = `${spec.dataDir}.old-${new Date().toISOString().replace(/[-:.]/g, '')}`;
    await rename(spec.dataDir, keptAside);
  }
  await rename(building, spec.dataDir);
  await fsyncDir(dir);
  await writeFile(join(dataDir, MARKER), `${prepared.sha256}\n`, { mode: 0o600 });
  await rm(prepared.db, { force: true });
  log.info("rebuilt this etcd member's data from the snapshot", { member: spec.name, keptAside });
}
