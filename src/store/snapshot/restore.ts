// Rebuilding a data dir from a snapshot, on a stopped cluster. One pass over the file extracts each
// payload file to a temporary name beside its destination while hashing; only when the checksum
// matches are they renamed into place (the store's database last), so a corrupt or truncated
// snapshot changes nothing. The old SQLite WAL and shared-memory files go first: a stale WAL beside
// a restored database would be replayed into it.

import { open, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir, TMP_MARK } from './atomic-write.js';
import { readHeader, snapshotHasher, type SnapshotMeta, SnapshotError, type StoreKind } from './format.js';

export interface RestoreOptions {
  file: string;
  dataDir: string;
  /** The store the server will run on: a snapshot of another kind is refused. */
  expectStore?: StoreKind;
  /** Where the etcd snapshot's database goes for `etcdctl snapshot restore` (etcd snapshots only). */
  etcdDbOut?: string;
}

export async function restoreSnapshot(o: RestoreOptions): Promise<SnapshotMeta> {
  const { meta, offset } = await readHeader(o.file);
  if (o.expectStore && meta.store !== o.expectStore) throw new SnapshotError(`${o.file} is a snapshot of a ${meta.store} store, but this cluster uses ${o.expectStore}`);
  if (meta.store === 'etcd' && !o.etcdDbOut) throw new SnapshotError(`${o.file} is an etcd snapshot: pass --etcd-db-out FILE to extract its database for etcdctl snapshot restore (see docs/backups.md)`);
  const { sha256, ...rest } = meta;
  const h = snapshotHasher(rest);
  await mkdir(o.dataDir, { recursive: true, mode: 0o700 });
  await mkdir(join(o.dataDir, 'pki'), { recursive: true, mode: 0o700 });
  const staged: { tmp: string; dest: string }[] = [];
  const src = await open(o.file, 'r');
  try {
    let pos = offset;
    const chunk = Buffer.alloc(1 << 20);
    for (const f of meta.files) {
      const dest = f.path === 'etcd.db' ? o.etcdDbOut! : join(o.dataDir, f.path);
      const tmp = join(dirname(dest), `.restore${TMP_MARK}${f.path.replace(/\//g, '_')}`);
      staged.push({ tmp, dest });
      const out = await open(tmp, 'w', f.mode & 0o700);
      try {
        for (let left = f.size; left > 0; ) {
          const { bytesRead } = await src.read(chunk, 0, Math.min(chunk.length, left), pos);
          if (bytesRead === 0) throw new SnapshotError(`${o.file} is truncated`);
          h.update(chunk.subarray(0, bytesRead));
          await out.write(chunk.subarray(0, bytesRead));
          pos += bytesRead;
          left -= bytesRead;
        }
        await out.sync();
      } finally {
        await out.close();
      }
    }
    if (h.digest('hex') !== sha256) throw new SnapshotError(`${o.file} is corrupt: checksum mismatch; nothing was restored`);
  } catch (e) {
    for (const s of staged) await rm(s.tmp, { force: true });
    throw e;
  } finally {
    await src.close();
  }
  // Identity files first, the database last: an interrupted restore is redone by running it again.
  const { rename } = await import('node:fs/promises');
  if (meta.store === 'sqlite') for (const side of ['state.db-wal', 'state.db-shm']) await rm(join(o.dataDir, side), { force: true });
  for (const s of [...staged].reverse()) await rename(s.tmp, s.dest);
  await fsyncDir(join(o.dataDir, 'pki'));
  await fsyncDir(o.dataDir);
  if (o.etcdDbOut) await fsyncDir(dirname(o.etcdDbOut));
  return meta;
}
