// sha256 digests: parsing, hashing buffers and streams (a pass-through Transform that hashes what flows).

import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

const digestPattern = /^sha256:([a-f0-9]{64})$/;

export function isDigest(s: unknown): s is string {
  return typeof s === 'string' && digestPattern.test(s);
}

/** The hex part of a "sha256:<hex>" digest; throws for anything else (it becomes a path, so it must be strict). */
export function digestHex(digest: string): string {
  const m = digestPattern.exec(digest);
  if (!m) throw new Error(`"${digest}" is not a sha256 digest (only sha256 is supported)`);
  return m[1];
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Passes bytes through unchanged and hashes them; digest() and size are valid after 'end'. */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
  private result?: string;
  digest(): string {
    this.result ??= `sha256:${this.hash.digest('hex')}`;
    return this.result;
  }
}
