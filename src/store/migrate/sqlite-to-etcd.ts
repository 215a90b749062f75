// Moves a single-machine cluster's store (DATA/state.db) into an empty etcd, for an HA control plane:
// every live key with its exact value (encrypted-at-rest values are copied as stored, still sealed by
// DATA's encryption keys), oldest revision first, in bounded etcd transactions; then verifies the copy
// key by key and renames state.db to state.db.migrated-to-etcd so it is never opened or migrated again.
//
// Why this is safe to stop at any point and run again: the SQLite file is only read (its write lock is
// held so nothing else writes it meanwhile), and each batch commits together with the progress marker
// (progress-marker.ts) in one etcd transaction, guarded by the marker's revision and by every key being
// absent. A rerun resumes after the last committed batch; the rename happens only after verification.
//
// etcd numbers the copy with its own revisions: a batch shares one revision, later batches get higher
// ones, so objects keep their relative order (ties within a batch) but not their numbers. Clients
// relist after the server restarts on etcd, as they do after any etcd restore.

import { createHash } from 'node:crypto';
import { Etcd3, type IKeyValue } from 'etcd3';
import type { Logger } from '../../util/log.js';
import { etcdClientOptions, type EtcdTls, isUnavailable } from '../etcd/store.js';
import { UnavailableError } from '../types.js';
import { MARKER_KEY, parseMarker, type Marker } from './progress-marker.js';
import { SqliteSource, type SourceRow } from './sqlite-source.js';

export interface MigrateOptions {
  /** The data dir holding state.db. */
  dataDir: string;
  etcdEndpoints: string[];
  /** Client TLS (a managed etcd member's). */
  tls?: EtcdTls;
  log?: Logger;
  /** Keys per etcd transaction; etcd refuses more than --max-txn-ops (128 by default) and one op is the marker. */
  batchKeys?: number;
  /** Bytes of keys and values per transaction, under etcd's --max-request-bytes (1.5 MiB by default). */
  batchBytes?: number;
  /** Called after each committed batch with the keys copied so far (tests stop a migration midway here). */
  afterBatch?: (copied: number) => void | Promise<void>;
}

export type MigrateResult =
  | { migrated: false }
  | {
      migrated: true;
      /** Keys copied (all of them, including any copied by an earlier, interrupted run). */
      objects: number;
      /** The SQLite store's newest revision. */
      sourceRevision: number;
      /** Batches this run committed. */
      batches: number;
      /** This run continued one that stopped midway. */
      resumed: boolean;
      /** Where state.db was moved. */
      renamedTo: string;
    };

/** The migration will not run, and says why and what to do; nothing was changed. */
export class MigrationRefusedError extends Error {
  override name = 'MigrationRefusedError';
}

const DEFAULT_BATCH_KEYS = 100;
const DEFAULT_BATCH_BYTES = 1024 * 1024;
/** Every key: [\0, \0) is etcd's "from this key on". */
const ALL = { key: Buffer.from([0]), range_end: Buffer.from([0]) };
const b = (s: string) => Buffer.from(s);

export async function migrateSqliteToEtcd(o: MigrateOptions): Promise<MigrateResult> {
  const source = SqliteSource.open(o.dataDir);
  if (!source) return { migrated: false };
  const client = new Etcd3(etcdClientOptions(o.etcdEndpoints, o.tls));
  const where = o.etcdEndpoints.join(',');
  try {
    // The marker key must be the migration's alone: a store that holds it could overwrite it in a batch.
    if (source.has(MARKER_KEY)) throw new MigrationRefusedError(`${source.file} holds the key ${MARKER_KEY}, which the migration keeps its own progress in; refusing to copy it`);
    const start = await unavailableAsError(begin(client, source, where));
    let { marker, markerRevision } = start;
    o.log?.info(start.resumed ? 'resuming the migration of the SQLite store into etcd' : 'migrating the SQLite store into etcd', { file: source.file, etcd: where, objects: source.objects, sqliteRevision: source.revision, alreadyCopied: marker.copied });
    let batches = 0;
    let verified = false;
    const limits = { keys: Math.max(1, Math.min(o.batchKeys ?? DEFAULT_BATCH_KEYS, 127)), bytes: o.batchBytes ?? DEFAULT_BATCH_BYTES };
    while (marker.state === 'copying') {
      const batch = nextBatch(source, marker.copiedThrough, limits);
      const next: Marker = batch.length === 0 ? { ...marker, state: 'done', finishedAt: new Date().toISOString() } : { ...marker, copiedThrough: batch[batch.length - 1].id, copied: marker.copied + batch.length };
      // A done marker is only written after the whole copy checks out, key by key.
      if (next.state === 'done') {
        await unavailableAsError(verify(client, source));
        verified = true;
      }
      markerRevision = await unavailableAsError(commit(client, batch, next, markerRevision, where));
      marker = next;
      if (batch.length > 0) {
        batches++;
        await o.afterBatch?.(marker.copied);
      }
    }
    // A rerun after a stop between the done marker and the rename lands here without copying: check again.
    if (!verified) await unavailableAsError(verify(client, source));
    const renamedTo = source.markMigrated();
    o.log?.info('migrated the SQLite store into etcd', { etcd: where, objects: marker.copied, sqliteRevision: source.revision, batches, resumed: start.resumed, renamedTo });
    return { migrated: true, objects: marker.copied, sourceRevision: source.revision, batches, resumed: start.resumed, renamedTo };
  } finally {
    source.close();
    client.close();
  }
}

/**
 * Starts a migration on an empty etcd (creating the marker in the transaction that proves it empty),
 * or picks up the one this same, unchanged SQLite store left; refuses anything else.
 */
async function begin(client: Etcd3, source: SqliteSource, where: string): Promise<{ marker: Marker; markerRevision: number; resumed: boolean }> {
  const stored = (await client.kv.range({ key: b(MARKER_KEY) })).kvs[0];
  if (!stored) {
    const marker: Marker = { state: 'copying', source: { revision: source.revision, objects: source.objects }, copiedThrough: 0, copied: 0, startedAt: new Date().toISOString() };
    const r = await client.kv.txn({
      compare: [{ ...ALL, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: b(MARKER_KEY), value: b(JSON.stringify(marker)) } }],
    });
    if (!r.succeeded) throw await notEmpty(client, source, where);
    return { marker, markerRevision: Number(r.header.revision), resumed: false };
  }
  const marker = parseMarker(stored.value.toString());
  if (marker instanceof Error) throw new MigrationRefusedError(`${marker.message}; ${truthQuestion(source, where)}`);
  if (marker.source.revision !== source.revision || marker.source.objects !== source.objects) {
    throw new MigrationRefusedError(
      `etcd at ${where} holds a ${marker.state === 'done' ? 'finished' : 'partial'} migration of a SQLite store at revision ${marker.source.revision} with ${marker.source.objects} objects, but ${source.file} is at revision ${source.revision} with ${source.objects}: it changed since, or is another store. ${truthQuestion(source, where)}`,
    );
  }
  // Only the marker and what it counts: anything else in etcd was not written by this migration.
  const others = Number((await client.kv.range({ ...ALL, count_only: true })).count) - 1;
  if (others !== marker.copied) throw await notEmpty(client, source, where);
  return { marker, markerRevision: Number(stored.mod_revision), resumed: true };
}

/** Live keys after `afterId`, oldest first, as many as one transaction may carry (at least one). */
function nextBatch(source: SqliteSource, afterId: number, limits: { keys: number; bytes: number }): SourceRow[] {
  const rows = source.rowsAfter(afterId, limits.keys);
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    bytes += Buffer.byteLength(rows[i].name) + Buffer.byteLength(rows[i].value);
    if (bytes > limits.bytes && i > 0) return rows.slice(0, i);
  }
  return rows;
}

/** One batch and the marker's new state, in one transaction: all of it commits, or none. */
async function commit(client: Etcd3, batch: SourceRow[], marker: Marker, markerRevision: number, where: string): Promise<number> {
  let r: Awaited<ReturnType<Etcd3['kv']['txn']>>;
  try {
    r = await client.kv.txn({
      compare: [{ key: b(MARKER_KEY), target: 'Mod', result: 'Equal', mod_revision: markerRevision }, ...batch.map((row) => ({ key: b(row.name), target: 'Create' as const, result: 'Equal' as const, create_revision: 0 }))],
      success: [...batch.map((row) => ({ request_put: { key: b(row.name), value: b(row.value) } })), { request_put: { key: b(MARKER_KEY), value: b(JSON.stringify(marker)) } }],
    });
  } catch (e) {
    if (/too large/i.test((e as Error).message)) {
      throw new Error(`etcd at ${where} refused a batch of ${batch.length} keys as too large (${(e as Error).message}); the first is ${batch[0]?.name}. Raise etcd's --max-request-bytes, or migrate with smaller batches`);
    }
    throw e;
  }
  if (!r.succeeded) throw new MigrationRefusedError(`etcd at ${where} changed while the SQLite store was being copied into it (another migration, or a server already using it?); stop whatever else writes to it and run the migration again: it resumes where it stopped`);
  return Number(r.header.revision);
}

/** Every live SQLite key is in etcd with the same bytes, and etcd holds nothing else but the marker. */
async function verify(client: Etcd3, source: SqliteSource): Promise<void> {
  const digest = (v: string | Buffer) => createHash('sha256').update(v).digest('base64');
  const expected = new Map<string, string>();
  for (let after = 0; ; ) {
    const rows = source.rowsAfter(after, 1000);
    if (rows.length === 0) break;
    for (const r of rows) expected.set(r.name, digest(b(r.value)));
    after = rows[rows.length - 1].id;
  }
  let from = ALL.key;
  let revision = 0;
  for (;;) {
    const page = await client.kv.range({ key: from, range_end: ALL.range_end, limit: 1000, revision });
    revision = Number(page.header.revision);
    for (const kv of page.kvs as IKeyValue[]) {
      const key = kv.key.toString();
      if (key === MARKER_KEY) continue;
      const want = expected.get(key);
      if (want === undefined) throw new Error(`verification failed: etcd holds ${key}, which the SQLite store does not`);
      if (want !== digest(kv.value)) throw new Error(`verification failed: ${key} differs between etcd and the SQLite store`);
      expected.delete(key);
    }
    if (!page.more || page.kvs.length === 0) break;
    from = Buffer.concat([page.kvs[page.kvs.length - 1].key, Buffer.from([0])]);
  }
  if (expected.size > 0) throw new Error(`verification failed: ${expected.size} keys of the SQLite store are missing from etcd (e.g. ${expected.keys().next().value})`);
}

/** The refusal for an etcd that holds keys this migration did not write. */
async function notEmpty(client: Etcd3, source: SqliteSource, where: string): Promise<MigrationRefusedError> {
  const r = await client.kv.range({ ...ALL, limit: 3, keys_only: true });
  const sample = r.kvs.map((kv) => kv.key.toString()).join(', ');
  return new MigrationRefusedError(`etcd at ${where} is not empty (${r.count} keys, e.g. ${sample}) while ${source.file} holds a SQLite store (revision ${source.revision}, ${source.objects} objects) that was never migrated. ${truthQuestion(source, where)}`);
}

function truthQuestion(source: SqliteSource, where: string): string {
  return 'gifee cannot tell which of the two is the cluster, so it changed neither. ' + `If etcd is: move ${source.file} (and its -wal and -shm files) out of the data dir. ` + `If the SQLite store is: start with an empty etcd (or empty this one: etcdctl --endpoints ${where} del "" --from-key) to migrate it.`;
}

async function unavailableAsError<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (isUnavailable(e)) throw new UnavailableError(`etcd is unavailable: ${(e as Error).message}`);
    throw e;
  }
}
