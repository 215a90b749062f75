// The SQLite side of a migration: a data dir's state.db read as the live keys at its newest revision,
// in revision order, with writers locked out while it is copied, then renamed aside so no gifee opens
// it again. Opened without the store's schema statements: a file that is not a gifee store is refused
// and never written to.

import { existsSync, openSync, fsyncSync, closeSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export const SQLITE_FILE = 'state.db';
export const MIGRATED_SUFFIX = '.migrated-to-etcd';

/** One live key as the SQLite store holds it; id is its modRevision there. */
export interface SourceRow {
  id: number;
  name: string;
  value: string;
}

export class SqliteSource {
  private constructor(
    readonly file: string,
    private db: Database.Database,
    /** The store's newest revision (0 for a store that was never written). */
    readonly revision: number,
    /** Live keys at that revision. */
    readonly objects: number,
  ) {}

  /** The data dir's SQLite store, or undefined when it has none (never had, or already migrated). */
  static open(dataDir: string): SqliteSource | undefined {
    const file = join(dataDir, SQLITE_FILE);
    if (!existsSync(file)) return undefined;
    const db = new Database(file, { fileMustExist: true });
    try {
      // A server still running on this file would go on acknowledging writes the copy never sees: wait
      // as the store's own writers do, then hold the write lock until the file is renamed aside.
      db.pragma('busy_timeout = 5000');
      const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all();
      if (!tables.some((t) => t.name === 'kv')) throw new Error(`${file} is not a gifee store (it has no kv table)`);
      db.exec('BEGIN IMMEDIATE');
      const revision = db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'kv'").get()?.seq ?? 0;
      const objects = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM kv k WHERE k.deleted = 0 AND k.id = (SELECT MAX(k2.id) FROM kv k2 WHERE k2.name = k.name)').get()!.n;
      return new SqliteSource(file, db, revision, objects);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Up to `limit` live keys whose revision is above `afterId`, oldest first. */
  rowsAfter(afterId: number, limit: number): SourceRow[] {
    const rows = this.db
      .prepare<[number, number], { id: number; name: unknown; value: unknown }>(
        `SELECT k.id, k.name, k.value FROM kv k WHERE k.id > ? AND k.deleted = 0
         AND NOT EXISTS (SELECT 1 FROM kv k2 WHERE k2.name = k.name AND k2.id > k.id) ORDER BY k.id LIMIT ?`,
      )
      .all(afterId, limit);
    // The store only ever writes text; anything else is a damaged or forged file, not data to carry.
    for (const r of rows) if (typeof r.name !== 'string' || typeof r.value !== 'string') throw new Error(`${this.file}: the row at revision ${r.id} does not hold a text key and value; refusing to copy a damaged store`);
    return rows as SourceRow[];
  }

  /** Whether a live key of this name exists. */
  has(key: string): boolean {
    const r = this.db.prepare<[string], { deleted: number }>('SELECT deleted FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1').get(key);
    return r !== undefined && r.deleted === 0;
  }

  /**
   * Release the lock, fold the WAL into the file and rename it (and any side file) to *.migrated-to-etcd,
   * never over an earlier one. Returns the new name. After this no gifee opens it as a store again.
   */
  markMigrated(): string {
    this.db.exec('COMMIT');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
    this.db.close();
    let target = this.file + MIGRATED_SUFFIX;
    if (existsSync(target)) target = `${target}.${new Date().toISOString().replace(/[:.]/g, '-')}`;
    // Side files first: the main file's name is what says "not migrated yet", so it moves last.
    for (const side of ['-wal', '-shm']) if (existsSync(this.file + side)) renameSync(this.file + side, target + side);
    renameSync(this.file, target);
    syncDir(join(this.file, '..'));
    return target;
  }

  /** Close without marking (a failed or refused migration): the file is left exactly as it was. */
  close() {
    if (!this.db.open) return;
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }
}

/** A rename is durable once its directory is synced. */
function syncDir(dir: string) {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
