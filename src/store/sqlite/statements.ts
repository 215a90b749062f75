// Prepared statements, one per verb's query, compiled once per database.

import type { DB, Row } from './schema.js';

export function prepare(db: DB) {
  return {
    latest: db.prepare<[string], Row>('SELECT * FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1'),
    latestAt: db.prepare<[string, number], Row>('SELECT * FROM kv WHERE name = ? AND id <= ? ORDER BY id DESC LIMIT 1'),
    insert: db.prepare<[string, number, number, number, number, string, string | null]>('INSERT INTO kv (name, created, deleted, create_revision, prev_revision, value, old_value) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    setCreateRevision: db.prepare<[number, number]>('UPDATE kv SET create_revision = ? WHERE id = ?'),
    // The newest row of each key in [from, to) at or below a revision, live keys only, in key order.
    // Walks the (name, id) index in order and stops at the limit, so a page costs its own size (plus
    // older versions and tombstones it steps over), never the size of the rest of the range: no
    // GROUP BY and no sort, which would read the whole range for every page.
    listAt: db.prepare<[string, string, number, number, number], Row>(
      `SELECT k.* FROM kv k WHERE k.name >= ? AND k.name < ? AND k.id <= ? AND k.deleted = 0
       AND NOT EXISTS (SELECT 1 FROM kv k2 WHERE k2.name = k.name AND k2.id > k.id AND k2.id <= ?)
       ORDER BY k.name LIMIT ?`,
    ),
    countAt: db.prepare<[string, string, number], { n: number }>(
      `SELECT COUNT(*) AS n FROM kv JOIN (SELECT name, MAX(id) AS id FROM kv WHERE name >= ? AND name < ? AND id <= ? GROUP BY name) latest
       ON kv.id = latest.id WHERE kv.deleted = 0`,
    ),
    history: db.prepare<[number, string, string], Row>('SELECT * FROM kv WHERE id > ? AND name >= ? AND name < ? ORDER BY id'),
    revision: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'kv'"),
    getMeta: db.prepare<[string], { v: number }>('SELECT v FROM meta WHERE k = ?'),
    setMeta: db.prepare<[string, number]>('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v'),
    // Rows at or below the compacted revision that no read at or after it can see: tombstones, and
    // rows with a newer row of the same key at or below it.
    compact: db.prepare<[number, number]>(`DELETE FROM kv WHERE id <= ? AND (deleted = 1 OR id < (SELECT MAX(k2.id) FROM kv k2 WHERE k2.name = kv.name AND k2.id <= ?))`),
  };
}

export type Statements = ReturnType<typeof prepare>;
