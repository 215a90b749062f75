// The snapshot file: one self-describing file per snapshot, so a copy taken off the machine is all a
// restore needs. Layout:
//
//   GIFEE-SNAPSHOT/1\n
//   {metadata JSON}\n        (one line, at most MAX_HEADER bytes)
//   payload                  (the files the metadata lists, back to back)
//
// `sha256` in the metadata covers the metadata itself (its JSON without the sha256 field) and the
// whole payload, so a flipped bit anywhere — a changed store kind, a truncated payload — is refused
// before anything is written. Sizes are checked first: a truncated file fails without hashing.

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

export const MAGIC = 'GIFEE-SNAPSHOT/1\n';
/** The metadata line is small (a few file entries); a longer one is not a snapshot of ours. */
export const MAX_HEADER = 64 * 1024;
export const SNAPSHOT_SUFFIX = '.gifee-snapshot';

export type StoreKind = 'sqlite' | 'etcd';

/** One file of the data dir carried in the payload; path is relative to the data dir. */
export interface PayloadFile {
  path: string;
  size: number;
  mode: number;
}

export interface SnapshotMeta {
  format: 1;
  name: string;
  /** ISO 8601, UTC. */
  createdAt: string;
  store: StoreKind;
  /** The store's revision the copy was taken at (etcd: at least this). */
  revision: number;
  gifeeVersion: string;
  /** The store's database first (state.db or etcd.db), then the cluster identity (pki/...). */
  files: PayloadFile[];
  sha256: string;
}

export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

/** Paths the payload may carry: the store's file and files under pki/ — nothing that escapes the data dir. */
export function isSafePayloadPath(p: string): boolean {
  return /^(?:state\.db|etcd\.db|node-token|pki\/[A-Za-z0-9._-]{1,200})$/.test(p) && !p.split('/').some((s) => s === '..' || s === '.');
}

/** The hash over the metadata (without sha256) and the payload, fed incrementally. */
export function snapshotHasher(metaWithoutSum: Omit<SnapshotMeta, 'sha256'>) {
  const h = createHash('sha256');
  h.update(JSON.stringify(metaWithoutSum));
  h.update('\n');
  return h;
}

export function headerOf(meta: SnapshotMeta): Buffer {
  const { sha256, ...rest } = meta;
  // sha256 last: verification re-serializes the rest in the order it was written.
  return Buffer.from(`${MAGIC}${JSON.stringify({ ...rest, sha256 })}\n`);
}

function validMeta(m: unknown): m is SnapshotMeta {
  if (!m || typeof m !== 'object') return false;
  const o = m as Record<string, unknown>;
  return (
    o.format === 1 &&
    typeof o.name === 'string' &&
    typeof o.createdAt === 'string' &&
    !Number.isNaN(Date.parse(o.createdAt)) &&
    (o.store === 'sqlite' || o.store === 'etcd') &&
    Number.isSafeInteger(o.revision) &&
    typeof o.gifeeVersion === 'string' &&
    typeof o.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(o.sha256) &&
    Array.isArray(o.files) &&
    o.files.length > 0 &&
    o.files.length <= 256 &&
    o.files.every((f) => f && typeof f === 'object' && typeof f.path === 'string' && isSafePayloadPath(f.path) && Number.isSafeInteger(f.size) && f.size >= 0 && Number.isInteger(f.mode))
  );
}

/** Reads and checks the header only (cheap: for `snapshot ls`); offset is where the payload starts. */
export async function readHeader(file: string): Promise<{ meta: SnapshotMeta; offset: number; fileSize: number }> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const buf = Buffer.alloc(Math.min(size, MAX_HEADER + MAGIC.length + 1));
    await fh.read(buf, 0, buf.length, 0);
    if (buf.subarray(0, MAGIC.length).toString() !== MAGIC) throw new SnapshotError(`${file} is not a gifee snapshot (no ${JSON.stringify(MAGIC.trim())} header)`);
    const end = buf.indexOf(10, MAGIC.length);
    if (end < 0) throw new SnapshotError(`${file} is corrupt: its metadata line is unterminated or longer than ${MAX_HEADER} bytes`);
    let meta: unknown;
    try {
      meta = JSON.parse(buf.subarray(MAGIC.length, end).toString('utf8'));
    } catch {
      throw new SnapshotError(`${file} is corrupt: its metadata is not valid JSON`);
    }
    if (!validMeta(meta)) throw new SnapshotError(`${file} is corrupt: its metadata is incomplete or out of range`);
    const offset = end + 1;
    const expected = offset + meta.files.reduce((n, f) => n + f.size, 0);
    if (size !== expected) throw new SnapshotError(`${file} is corrupt or truncated: ${size} bytes, its metadata says ${expected}`);
    return { meta, offset, fileSize: size };
  } finally {
    await fh.close();
  }
}

/** Reads the whole file, checking sizes and the checksum; throws SnapshotError on any mismatch. */
export async function verifySnapshot(file: string): Promise<{ meta: SnapshotMeta; offset: number }> {
  const { meta, offset } = await readHeader(file);
  const { sha256, ...rest } = meta;
  const h = snapshotHasher(rest);
  const fh = await open(file, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let pos = offset; ; ) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, pos);
      if (bytesRead === 0) break;
      h.update(chunk.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  if (h.digest('hex') !== sha256) throw new SnapshotError(`${file} is corrupt: checksum mismatch (the file changed after it was written)`);
  return { meta, offset };
}
