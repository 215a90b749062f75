// Taking a snapshot of a running (or stopped) store, online: SQLite through its backup API (a
// consistent copy while the server keeps writing), etcd through its maintenance Snapshot stream.
// The snapshot carries the cluster identity too (DATA/pki: CA, keys, the encryption config that
// Secrets at rest need, and DATA/node-token), so a restore on a new machine is the same cluster;
// that makes the file as secret as the PKI: it is written 0600 into a 0700 directory.

import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GIFEE_VERSION } from '../../api/version.js';
import { removeStaleTemps, TMP_MARK, writeAtomically } from './atomic-write.js';
import { headerOf, isSafePayloadPath, type PayloadFile, type SnapshotMeta, snapshotHasher, SnapshotError, type StoreKind } from './format.js';
import { snapshotPath } from './names.js';
import { ifMissing } from '../../util/best-effort.js';
import { GRPCDeadlineExceededError } from 'etcd3';
import type { EtcdMembers } from '../etcd/members.js';

export interface SaveOptions {
  store: StoreKind;
  dataDir: string;
  /** The etcd cluster (an etcd store): the snapshot comes from its preferred member that answers (members.ts). */
  etcd?: EtcdMembers;
  dir: string;
  name: string;
}

/** Copies the SQLite database online into `to`; returns the copy's revision. */
async function copySqlite(dataDir: string, to: string): Promise<number> {
  const { default: Database } = await import('better-sqlite3');
  const source = join(dataDir, 'state.db');
  if (!(await stat(source).catch(ifMissing))) throw new SnapshotError(`no SQLite store at ${source}: is --data-dir right (or is the cluster on etcd)?`);
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // Every remaining page in one step, under one read transaction, so the server's
    // writes meanwhile (WAL: they do not wait for us) cannot make the backup start over.
    await db.backup(to, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  const copy = new Database(to, { fileMustExist: true });
  try {
    // The copy is self-contained: no WAL beside it, so the payload is this one file.
    copy.pragma('journal_mode = DELETE');
    const ok = copy.pragma('quick_check', { simple: true });
    if (ok !== 'ok') throw new SnapshotError(`the copy of ${source} failed SQLite's check: ${String(ok)}`);
    return (copy.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'kv'").get() as { seq: number } | undefined)?.seq ?? 0;
  } finally {
    copy.close();
  }
}

/** Streams etcd's snapshot (its bbolt file with etcd's own hash trailer) into `to`; returns its revision and the member it came from. */
async function copyEtcd(members: EtcdMembers | undefined, to: string): Promise<{ revision: number; member: string }> {
  if (!members) throw new SnapshotError('an etcd snapshot needs --etcd-endpoints');
  // Any member's snapshot is the cluster's data as of its revision: one that does not answer is
  // skipped for the next, and a stream that stops (a member that hangs mid-way) is started over there.
  const idleMs = Math.max(3 * members.callTimeoutMs, 10_000);
  let attempts = 0;
  return members.retrying(async (client, o, member) => {
    // An attempt given up on (its member found hanging) stops writing once a later one starts.
    const attempt = ++attempts;
    // etcd 3.4 sends its snapshot chunks without a header (3.5 adds one): the revision read just
    // before is then the snapshot's, give or take writes made while it streams (they are in it too).
    const before = Number((await client.kv.range({ key: Buffer.from('/'), limit: 1, count_only: true }, o)).header.revision);
    let revision = 0;
    const stream = await client.maintenance.snapshot();
    const cancel = () => (stream as unknown as { cancel(): void }).cancel();
    if (attempt !== attempts) {
      cancel();
      throw new Error('a later attempt took over');
    }
    const out = createWriteStream(to, { mode: 0o600 });
    await new Promise<void>((resolve, reject) => {
      let idle: NodeJS.Timeout;
      const quiet = () => {
        clearTimeout(idle);
        idle = setTimeout(() => {
          cancel();
          reject(new GRPCDeadlineExceededError(`etcd member ${member} sent no snapshot data for ${idleMs / 1000}s`));
        }, idleMs);
      };
      quiet();
      stream.on('data', (r) => {
        if (attempt !== attempts) {
          clearTimeout(idle);
          cancel();
          reject(new Error('a later attempt took over'));
          return;
        }
        quiet();
        if (!revision && r.header) revision = Number(r.header.revision);
        out.write(r.blob);
      });
      stream.on('error', (e) => {
        clearTimeout(idle);
        reject(e);
      });
      stream.on('end', () => {
        clearTimeout(idle);
        out.end(resolve);
      });
    }).catch((e) => new Promise<never>((_, reject) => out.destroy().on('close', () => reject(e))));
    const size = (await stat(to)).size;
    if (size === 0) throw new SnapshotError(`etcd member ${member} sent an empty snapshot: try again, or take it through another server's --data-dir`);
    return { revision: revision || before, member };
  }, 3 * members.callTimeoutMs);
}

/** The cluster identity files: every regular file directly in DATA/pki, and DATA/node-token. */
async function identityFiles(dataDir: string): Promise<{ path: string; data: Buffer; mode: number }[]> {
  const out: { path: string; data: Buffer; mode: number }[] = [];
  const names = (await readdir(join(dataDir, 'pki')).catch(() => [] as string[])).sort();
  for (const p of [...names.map((n) => `pki/${n}`), 'node-token']) {
    if (!isSafePayloadPath(p)) continue;
    const s = await stat(join(dataDir, p)).catch(ifMissing);
    if (!s?.isFile()) continue;
    out.push({ path: p, data: await readFile(join(dataDir, p)), mode: s.mode & 0o777 });
  }
  return out;
}

/** Takes a snapshot; returns its metadata and file. Never leaves a partial file under the final name. */
export async function saveSnapshot(o: SaveOptions): Promise<{ meta: SnapshotMeta; file: string; member?: string }> {
  const file = snapshotPath(o.dir, o.name);
  if (await stat(file).catch(ifMissing)) throw new SnapshotError(`snapshot ${o.name} already exists in ${o.dir}`);
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  await removeStaleTemps(o.dir);
  const dbName = o.store === 'sqlite' ? 'state.db' : 'etcd.db';
  const dbCopy = join(o.dir, `.${o.name}.${dbName}${TMP_MARK}copy`);
  await rm(dbCopy, { force: true });
  try {
    const copied = o.store === 'sqlite' ? { revision: await copySqlite(o.dataDir, dbCopy) } : await copyEtcd(o.etcd, dbCopy);
    const revision = copied.revision;
    const identity = await identityFiles(o.dataDir);
    const dbFile: PayloadFile = { path: dbName, size: (await stat(dbCopy)).size, mode: 0o600 };
    const rest: Omit<SnapshotMeta, 'sha256'> = { format: 1, name: o.name, createdAt: new Date().toISOString(), store: o.store, revision, gifeeVersion: GIFEE_VERSION, files: [dbFile, ...identity.map((f) => ({ path: f.path, size: f.data.length, mode: f.mode }))] };
    const h = snapshotHasher(rest);
    for await (const chunk of createReadStream(dbCopy)) h.update(chunk as Buffer);
    for (const f of identity) h.update(f.data);
    const meta: SnapshotMeta = { ...rest, sha256: h.digest('hex') };
    await writeAtomically(file, 0o600, async (fh) => {
      await fh.write(headerOf(meta));
      for await (const chunk of createReadStream(dbCopy, { highWaterMark: 1 << 20 })) await fh.write(chunk as Buffer);
      for (const f of identity) await fh.write(f.data);
    });
    return { meta, file, ...('member' in copied ? { member: copied.member } : {}) };
  } finally {
    await rm(dbCopy, { force: true });
  }
}
