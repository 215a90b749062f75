import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../sqlite/store.js';
import { listSnapshots, deleteSnapshot, pruneSnapshots } from './catalog.js';
import { SnapshotError, verifySnapshot } from './format.js';
import { checkName } from './names.js';
import { restoreSnapshot } from './restore.js';
import { saveSnapshot } from './save.js';

async function withDirs(fn: (data: string, snaps: string) => Promise<void>) {
  const root = await mkdtemp(join(tmpdir(), 'gifee-snap-'));
  try {
    const data = join(root, 'data');
    await mkdir(join(data, 'pki'), { recursive: true });
    await writeFile(join(data, 'pki', 'ca.key'), 'secret key', { mode: 0o600 });
    await fn(data, join(root, 'snaps'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('a snapshot of a live SQLite store restores the same keys, revisions and identity files', () =>
  withDirs(async (data, snaps) => {
    const store = new SqliteStore(join(data, 'state.db'));
    const a = await store.create('/registry/a', '{"a":1}');
    const b = await store.create('/registry/b', '{"b":1}');
    const b2 = await store.update('/registry/b', '{"b":2}', b.modRevision);
    // Saved while the store is open (and its WAL holds the writes): the online backup sees them.
    const { meta, file } = await saveSnapshot({ store: 'sqlite', dataDir: data, dir: snaps, name: 'one' });
    assert.equal(meta.revision, b2.modRevision);
    assert.deepEqual(
      meta.files.map((f) => f.path),
      ['state.db', 'pki/ca.key'],
    );
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    await store.delete('/registry/a');
    await store.create('/registry/c', '{}');
    await store.close();
    await writeFile(join(data, 'pki', 'ca.key'), 'changed');
    await restoreSnapshot({ file, dataDir: data, expectStore: 'sqlite' });
    const back = new SqliteStore(join(data, 'state.db'));
    try {
      assert.deepEqual(await back.get('/registry/a'), a);
      assert.deepEqual(await back.get('/registry/b'), b2);
      assert.equal(await back.get('/registry/c'), null);
      assert.equal(await back.currentRevision(), b2.modRevision);
      // New writes continue after the restored revision.
      assert.equal((await back.create('/registry/d', '{}')).modRevision, b2.modRevision + 1);
    } finally {
      await back.close();
    }
    assert.equal(await readFile(join(data, 'pki', 'ca.key'), 'utf8'), 'secret key');
    assert.deepEqual(
      (await readdir(data)).filter((n) => n.includes('.tmp-')),
      [],
    );
  }));

test('corrupt, truncated and foreign files are refused and change nothing', () =>
  withDirs(async (data, snaps) => {
    const store = new SqliteStore(join(data, 'state.db'));
    await store.create('/registry/a', '{}');
    const { file } = await saveSnapshot({ store: 'sqlite', dataDir: data, dir: snaps, name: 'good' });
    await store.close();
    const before = await readFile(join(data, 'state.db'));
    const bytes = await readFile(file);
    const refuse = async (content: Buffer, re: RegExp, expectStore?: 'sqlite' | 'etcd') => {
      const bad = join(snaps, 'bad.gifee-snapshot');
      await writeFile(bad, content);
      await assert.rejects(restoreSnapshot({ file: bad, dataDir: data, expectStore }), (e: Error) => e instanceof SnapshotError && re.test(e.message));
      assert.deepEqual(await readFile(join(data, 'state.db')), before);
    };
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 100] ^= 0xff;
    await refuse(flipped, /checksum mismatch/);
    await refuse(bytes.subarray(0, bytes.length - 10), /truncated/);
    await refuse(Buffer.from('SQLite format 3\0 not ours'), /not a gifee snapshot/);
    await refuse(Buffer.from(bytes.toString('latin1').replace('"store":"sqlite"', '"store":"etcd"  '), 'latin1'), /checksum mismatch|etcd snapshot|corrupt/);
    await refuse(bytes, /snapshot of a sqlite store, but this cluster uses etcd/, 'etcd');
    await refuse(Buffer.from(bytes.toString('latin1').replace('"path":"pki/ca.key"', '"path":"../../x.key"'), 'latin1'), /metadata is incomplete/);
    await truncate(file, 50);
    await assert.rejects(verifySnapshot(file), /corrupt/);
  }));

test('names are one safe path component; ls, delete and prune', () =>
  withDirs(async (data, snaps) => {
    for (const bad of ['', '../x', 'a/b', '.hidden', 'a..b', 'x'.repeat(101), 'a b', 'é']) assert.throws(() => checkName(bad), SnapshotError, bad);
    const store = new SqliteStore(join(data, 'state.db'));
    await store.create('/registry/a', '{}');
    for (const n of ['scheduled-1', 'scheduled-2', 'scheduled-3', 'keep-me']) await saveSnapshot({ store: 'sqlite', dataDir: data, dir: snaps, name: n });
    await store.close();
    await assert.rejects(saveSnapshot({ store: 'sqlite', dataDir: data, dir: snaps, name: 'keep-me' }), /already exists/);
    await writeFile(join(snaps, 'junk.gifee-snapshot'), 'nope');
    const listed = await listSnapshots(snaps);
    assert.equal(listed.length, 5);
    assert.match(listed.find((s) => s.name === 'junk')!.error!, /not a gifee snapshot/);
    // Only the scheduled ones are pruned, oldest first to go.
    assert.deepEqual(await pruneSnapshots(snaps, 1), ['scheduled-2', 'scheduled-1']);
    assert.deepEqual((await listSnapshots(snaps)).map((s) => s.name).sort(), ['junk', 'keep-me', 'scheduled-3']);
    await deleteSnapshot(snaps, 'junk');
    await assert.rejects(deleteSnapshot(snaps, 'junk'), /no snapshot named junk/);
    await assert.rejects(deleteSnapshot(snaps, '../data/state'), SnapshotError);
  }));
