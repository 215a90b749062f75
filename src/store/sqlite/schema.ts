// The SQLite layout, kine-style: one table of revisions. Every write appends a row whose id is the
// new global revision; a delete appends a tombstone. A key's value at revision R is its newest row
// with id <= R. Compaction removes rows no revision at or after the compacted one can see.

import Database from 'better-sqlite3';

export type DB = Database.Database;

export interface Row {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: string;
  old_value: string | null;
}

export function openDatabase(file: string): DB {
  const db = new Database(file);
  // WAL lets readers run beside the writer; synchronous=FULL fsyncs the WAL on every commit, so an
  // acknowledged write survives kill -9 and power loss alike. Group commit (see store.ts) spreads
  // the fsync over every write that arrived in the same event-loop turn.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS kv (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      created INTEGER NOT NULL,
      deleted INTEGER NOT NULL,
      create_revision INTEGER NOT NULL,
      prev_revision INTEGER NOT NULL,
      value TEXT NOT NULL,
      old_value TEXT
    );
    CREATE INDEX IF NOT EXISTS kv_name_id ON kv (name, id);
    CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
  `);
  return db;
}

/** The smallest string greater than every string with this prefix (for range scans). */
export function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}
