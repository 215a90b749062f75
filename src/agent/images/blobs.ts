// Content-addressed blobs: <root>/blobs/sha256/<hex>. Every blob is written to a temporary file while
// hashed and renamed into place only when its digest is right, so a blob file is always complete.

import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, lstat, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { HashingStream, digestHex } from './digest.js';
import { tempName } from './atomic-file.js';

export class DigestMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
    what: string,
  ) {
    super(`${what}: content has digest ${actual}, expected ${expected} (corrupted or tampered download)`);
  }
}

export class BlobStore {
  readonly dir: string;
  constructor(root: string) {
    this.dir = join(root, 'blobs', 'sha256');
  }

  path(digest: string): string {
    return join(this.dir, digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    return stat(this.path(digest)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  async size(digest: string): Promise<number | undefined> {
    return stat(this.path(digest)).then(
      (s) => s.size,
      () => undefined,
    );
  }

  read(digest: string): Promise<Buffer> {
    return readFile(this.path(digest));
  }

  async readJson<T = unknown>(digest: string): Promise<T> {
    return JSON.parse((await this.read(digest)).toString('utf8')) as T;
  }

  open(digest: string): Readable {
    return createReadStream(this.path(digest));
  }

  /** Store what the stream yields; verify it against expected when given. Returns digest and size. */
  async ingest(source: Readable, expected?: string, what = 'blob', onBytes?: (n: number) => void): Promise<{ digest: string; size: number }> {
    await mkdir(this.dir, { recursive: true });
    const tmp = tempName(join(this.dir, expected ? digestHex(expected) : 'new'));
    const hasher = new HashingStream();
    if (onBytes) hasher.on('data', (c: Buffer) => onBytes(c.length));
    try {
      await pipeline(source, hasher, createWriteStream(tmp, { mode: 0o644 }));
      const digest = hasher.digest();
      if (expected && digest !== expected) throw new DigestMismatchError(expected, digest, what);
      await rename(tmp, this.path(digest));
      return { digest, size: hasher.size };
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  async ingestBuffer(data: Buffer, expected?: string, what = 'blob'): Promise<{ digest: string; size: number }> {
    return this.ingest(Readable.from([data]), expected, what);
  }

  /**
   * Adopt a file whose digest is already known to be right (hashed as it was written by the caller):
   * moved when move is set (same file system), else copied.
   */
  async adopt(file: string, digest: string, move: boolean): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    if (await this.has(digest)) {
      if (move) await rm(file, { force: true });
      return;
    }
    const target = this.path(digest);
    if (move) {
      await rename(file, target);
    } else {
      const tmp = tempName(target);
      await copyFile(file, tmp);
      await rename(tmp, target);
    }
  }

  /**
   * Store a file by its content: hashed (and checked against expected when given), then moved when
   * move is set (a temporary file of ours on the same file system) or copied.
   */
  async ingestFile(file: string, expected: string | undefined, move: boolean, what = file): Promise<{ digest: string; size: number }> {
    // A symlink (docker save links shared layers) is read through, never moved.
    if (move && (await lstat(file)).isSymbolicLink()) move = false;
    if (!move) return this.ingest(createReadStream(file), expected, what);
    const hasher = new HashingStream();
    await pipeline(createReadStream(file), hasher, async (src: AsyncIterable<Buffer>) => {
      for await (const _ of src) void _;
    });
    const digest = hasher.digest();
    if (expected && digest !== expected) throw new DigestMismatchError(expected, digest, what);
    await this.adopt(file, digest, true);
    return { digest, size: hasher.size };
  }

  async remove(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }
}

/** Open a blob file and report whether it is gzip-compressed (by magic bytes, whatever its media type says). */
export async function isGzipFile(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  } finally {
    await fh.close();
  }
}
