// The SQLite-to-etcd migration against a real etcd (test/helpers/etcd.ts) and real SQLite stores in
// temp dirs: what is copied, in what order, what is refused, and a rerun after a stop midway.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { etcdBinary, startEtcd, type EtcdProcess } from '../../../test/helpers/etcd.js';
import { SqliteStore } from '../sqlite/store.js';
import { EtcdStore } from '../etcd/store.js';
import { EncryptingStore } from '../encryption/encrypting-store.js';
import { parseEncryptionConfig, generatedConfigYaml } from '../encryption/config.js';
import { ValueTransformer } from '../encryption/transformer.js';
import type { KeyValue } from '../types.js';
import { MARKER_KEY } from './progress-marker.js';
import { migrateSqliteToEtcd, MigrationRefusedError } from './sqlite-to-etcd.js';

if (!existsSync(etcdBinary())) {
  test('sqlite to etcd migration', { skip: 'etcd not installed: apt-get install etcd-server (scripts/setup.sh does)' }, () => {});
} else {
  let etcd: EtcdProcess;
  let client: Etcd3;
  const dirs: string[] = [];
  before(async () => {
    etcd = await startEtcd();
    client = new Etcd3({ hosts: etcd.endpoints });
  });
  after(async () => {
    client?.close();
    await etcd?.stop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  // One etcd for the file; each test starts on an empty one.
  beforeEach(async () => {
    await client.delete().all();
  });

  const dataDir = async () => {
    const d = await mkdtemp(join(tmpdir(), 'gifee-migrate-'));
    dirs.push(d);
    return d;
  };
  const obj = (kind: string, ns: string, name: string) => JSON.stringify({ kind, metadata: { name, namespace: ns, uid: randomUUID() }, data: { x: name } });

  /** A SQLite store with objects of several kinds and namespaces, updated and deleted along the way. */
  async function fillStore(dir: string, n = 30): Promise<KeyValue[]> {
    const s = new SqliteStore(join(dir, 'state.db'));
    try {
      for (let i = 0; i < n; i++) {
        const kind = ['configmaps', 'secrets', 'services'][i % 3];
        const ns = `ns${i % 4}`;
        await s.create(`/registry/core/${kind}/${ns}/o${i}`, obj(kind, ns, `o${i}`));
      }
      await s.create('/registry/apps/deployments/default/web', obj('Deployment', 'default', 'web'));
      // An update moves a key to a newer revision; a deleted key must not be copied at all.
      const first = (await s.get('/registry/core/configmaps/ns0/o0'))!;
      await s.update(first.key, first.value.replace('"x":"o0"', '"x":"changed"'), first.modRevision);
      await s.delete('/registry/core/secrets/ns1/o1');
      return (await s.list('/')).items;
    } finally {
      await s.close();
    }
  }

  async function etcdItems(): Promise<KeyValue[]> {
    const s = new EtcdStore(etcd.endpoints);
    try {
      return (await s.list('/registry/')).items;
    } finally {
      await s.close();
    }
  }

  /** Same keys and bodies; and a key newer than another in SQLite is not older in etcd. */
  function assertSameInOrder(before: KeyValue[], after: KeyValue[]) {
    assert.deepEqual(
      after.map((kv) => [kv.key, kv.value]),
      before.map((kv) => [kv.key, kv.value]),
    );
    const rev = new Map(after.map((kv) => [kv.key, kv.modRevision]));
    const bySqlite = [...before].sort((x, y) => x.modRevision - y.modRevision);
    for (let i = 1; i < bySqlite.length; i++) assert.ok(rev.get(bySqlite[i - 1].key)! <= rev.get(bySqlite[i].key)!, `${bySqlite[i - 1].key} before ${bySqlite[i].key}`);
  }

  test('copies every live key with its value (uids included), in revision order, then renames state.db so it is never migrated twice', async () => {
    const dir = await dataDir();
    const before = await fillStore(dir);
    assert.equal(before.length, 30);
    const logged: string[] = [];
    const log = { debug() {}, info: (m: string) => logged.push(m), warn() {}, error() {}, child: () => log };
    const r = await migrateSqliteToEtcd({ dataDir: dir, etcdEndpoints: etcd.endpoints, batchKeys: 7, log });
    assert.ok(r.migrated);
    assert.equal(r.objects, 30);
    assert.equal(r.batches, 5);
    assert.equal(r.resumed, false);
    assert.equal(r.renamedTo, join(dir, 'state.db.migrated-to-etcd'));
    assert.ok(logged.includes('migrated the SQLite store into etcd'));
    const after = await etcdItems();
    assertSameInOrder(before, after);
    // Batches are distinct etcd revisions, one per batch, in order.
    assert.equal(new Set(after.map((kv) => kv.modRevision)).size, 5);
    assert.equal(existsSync(join(dir, 'state.db')), false);
    assert.ok(existsSync(r.renamedTo));
    // The moved file is still the whole SQLite store, for a way back.
    const old = new SqliteStore(r.renamedTo);
    assert.equal((await old.list('/')).items.length, 30);
    await old.close();
    // Nothing left to migrate: a second run is a no-op that touches neither side.
    assert.deepEqual(await migrateSqliteToEtcd({ dataDir: dir, etcdEndpoints: etcd.endpoints }), { migrated: false });
    assert.deepEqual(await etcdItems(), after);
    const marker = JSON.parse((await client.get(MARKER_KEY).string())!);
    assert.equal(marker.state, 'done');
    assert.equal(marker.copied, 30);
  });

  test('Secrets encrypted at rest are carried sealed, and open with the same keys on etcd', async () => {
    const dir = await dataDir();
    const transformer = new ValueTransformer(parseEncryptionConfig(generatedConfigYaml(randomBytes(32).toString('base64'))));
    const plain = obj('Secret', 'default', 'db');
    const sqlite = new EncryptingStore(new SqliteStore(join(dir, 'state.db')), transformer);
    await sqlite.create('/registry/core/secrets/default/db', plain);
    await sqlite.close();
    await migrateSqliteToEtcd({ dataDir: dir, etcdEndpoints: etcd.endpoints });
    const raw = await client.get('/registry/core/secrets/default/db').string();
    assert.ok(raw?.startsWith('k8s:enc:aescbc:v1:key1:'), 'still sealed in etcd');
    const onEtcd = new EncryptingStore(new EtcdStore(etcd.endpoints), transformer);
    assert.equal((await onEtcd.get('/registry/core/secrets/default/db'))!.value, plain);
    await onEtcd.close();
  });

  test('an etcd that already holds keys is refused with the reason, and neither side is changed', async () => {
    const dir = await dataDir();
    await fillStore(dir, 5);
    await client.put('/registry/core/namespaces/other').value('{}');
    await assert.rejects(migrateSqliteToEtcd({ dataDir: dir, etcdEndpoints: etcd.endpoints }), (e: Error) => {
      assert.ok(e instanceof MigrationRefusedError);
      assert.match(e.message, /is not empty \(1 keys, e\.g\. \/registry\/core\/namespaces\/other\)/);
      assert.match(e.message, /cannot tell which of the two is the cluster/);
      return true;
    });
    assert.deepEqual(await client.getAll().keys(), ['/registry/core/namespaces/other']);
    assert.ok(existsSync(join(dir, 'state.db')));
  });

  test('stopped midway, the source is intact; a rerun resumes after the last committed batch', async () => {
    const dir = await dataDir();
    const before = await fillStore(dir);
    const bytesBefore = await readFile(join(dir, 'state.db'));
    await assert.rejects(
      migrateSqliteToEtcd({
        dataDir: dir,
        etcdEndpoints: etcd.endpoints,
        batchKeys: 4,
        afterBatch: (copied) => {
          if (copied >= 8) throw new Error('simulated crash');
        },
      }),
      /simulated crash/,
    );
    assert.deepEqual(await readFile(join(dir, 'state.db')), bytesBefore, 'state.db untouched');
    assert.equal((await etcdItems()).length, 8);
    // A plain rerun (no --force, nothing to clean up) finishes the job.
    const r = await migrateSqliteToEtcd({ dataDir: dir, etcdEndpoints: etcd.endpoints, batchKeys: 4 });
    assert.ok(r.migrated);
    assert.equal(r.resumed, true);
    assert.equal(r.objects, 30);
    assert.equal(r.batches, 6);
    assertSameInOrder(before, await etcdItems());
  });

  test('batches are bounded by bytes as well as keys; a value larger than the byte bound travels alone', async () => {
    const dir = await dataDir();
    const s = new SqliteStore(join(dir, 'state.db'));
    for (let i = 0; i < 6; i++) await s.create(`/registry/core/configmaps/default/c${i}`, JSON.stringify({ pad: 'x'.repeat(i === 3 ? 5000 : 250) }));
    await s.close();
    const r = await migrateSqliteToEtcd({ dataDir: dir, etcdEndpoints: etcd.endpoints, batchBytes: 1000 });
    assert.ok(r.migrated);
    // c0+c1+c2 fit in 1000 bytes, c3 alone, c4+c5.
    assert.equal(r.batches, 3);
    assert.equal((await etcdItems()).length, 6);
  });

  test('stopped after the copy was marked done but before the rename: a rerun verifies again and renames', async () => {
    const dir = await dataDir();
    const before = await fillStore(dir, 6);
    const first = await migrateSqliteToEtcd({ dataDir: dir, etcdEndpoints: etcd.endpoints });
    assert.ok(first.migrated);
    // The same store back under its name is what a stop between the done record and the rename leaves.
    await copyFile(first.renamedTo, join(dir, 'state.db'));
    const again = await migrateSqliteToEtcd({ dataDir: dir, etcdEndpoints: etcd.endpoints });
    assert.ok(again.migrated);
    assert.equal(again.batches, 0);
    assert.equal(again.resumed, true);
    assert.notEqual(again.renamedTo, first.renamedTo, 'an earlier migrated file is never overwritten');
    assert.ok(existsSync(first.renamedTo) && existsSync(again.renamedTo));
    assertSameInOrder(before, await etcdItems());
  });

  test('a write to the SQLite store while it is being copied is refused, never acknowledged and lost', async () => {
    const dir = await dataDir();
    await fillStore(dir, 4);
    let attempted: PromiseSettledResult<KeyValue> | undefined;
    const r = await migrateSqliteToEtcd({
      dataDir: dir,
      etcdEndpoints: etcd.endpoints,
      batchKeys: 2,
      afterBatch: async () => {
        if (attempted) return;
        // A second server on the same file: its write waits for the lock (busy_timeout), then fails.
        const other = new SqliteStore(join(dir, 'state.db'));
        [attempted] = await Promise.allSettled([other.create('/registry/core/configmaps/ns0/sneaked', '{}')]);
        await other.close().catch(() => {});
      },
    });
    assert.ok(r.migrated);
    assert.equal(attempted?.status, 'rejected');
    assert.match(String((attempted as PromiseRejectedResult).reason), /locked|busy/i);
    assert.equal(r.objects, 4);
    assert.equal(await client.get('/registry/core/configmaps/ns0/sneaked').string(), null);
    const old = new SqliteStore(r.renamedTo);
    assert.equal(await old.get('/registry/core/configmaps/ns0/sneaked'), null);
    await old.close();
  });

  test('a partial copy of a store that changed since, or extra keys beside a partial copy, are refused', async () => {
    const dir = await dataDir();
    await fillStore(dir, 10);
    const stop = (copied: number) => {
      if (copied >= 2) throw new Error('stop');
    };
    await assert.rejects(migrateSqliteToEtcd({ dataDir: dir, etcdEndpoints: etcd.endpoints, batchKeys: 2, afterBatch: stop }), /stop/);
    await client.put('/registry/core/namespaces/intruder').value('{}');
    await assert.rejects(migrateSqliteToEtcd({ dataDir: dir, etcdEndpoints: etcd.endpoints }), /is not empty/);
    await client.delete().key('/registry/core/namespaces/intruder');
    const s = new SqliteStore(join(dir, 'state.db'));
    await s.create('/registry/core/configmaps/ns0/late', '{}');
    await s.close();
    await assert.rejects(migrateSqliteToEtcd({ dataDir: dir, etcdEndpoints: etcd.endpoints }), (e: Error) => e instanceof MigrationRefusedError && /partial migration of a SQLite store at revision 13 with 10 objects/.test(e.message));
    assert.ok(existsSync(join(dir, 'state.db')));
  });

  test('hostile sources: no store is a no-op; a file that is not a gifee store, or one holding the marker key, is refused untouched', async () => {
    assert.deepEqual(await migrateSqliteToEtcd({ dataDir: await dataDir(), etcdEndpoints: etcd.endpoints }), { migrated: false });
    const junk = await dataDir();
    writeFileSync(join(junk, 'state.db'), 'not a database at all');
    await assert.rejects(migrateSqliteToEtcd({ dataDir: junk, etcdEndpoints: etcd.endpoints }), /not a database/);
    assert.equal(await readFile(join(junk, 'state.db'), 'utf8'), 'not a database at all');
    const forged = await dataDir();
    const s = new SqliteStore(join(forged, 'state.db'));
    await s.create(MARKER_KEY, '{"state":"done"}');
    await s.close();
    await assert.rejects(migrateSqliteToEtcd({ dataDir: forged, etcdEndpoints: etcd.endpoints }), MigrationRefusedError);
    assert.deepEqual(await client.getAll().keys(), []);
  });

  test('an unreachable etcd is reported as unavailable and the source is left as it was', async () => {
    const dir = await dataDir();
    await fillStore(dir, 3);
    await assert.rejects(migrateSqliteToEtcd({ dataDir: dir, etcdEndpoints: ['127.0.0.1:1'] }), /etcd is unavailable/);
    assert.ok(existsSync(join(dir, 'state.db')));
  });
}
