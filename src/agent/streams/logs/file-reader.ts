// Reads complete lines from a log file that may still be growing, from where the last read stopped.
// Holds the file open, so a rotation (rename + new file) never loses the tail of the old one.

import { open, stat, type FileHandle } from 'node:fs/promises';
import { ignoreError } from '../../../util/best-effort.js';

export class GrowingFile {
  private carry = Buffer.alloc(0);
  private offset = 0;

  private constructor(
    readonly path: string,
    private fh: FileHandle | undefined,
    readonly ino: number,
  ) {}

  /** Opens path; a file not created yet reads as empty (the container has written nothing). */
  static async open(path: string): Promise<GrowingFile> {
    try {
      const fh = await open(path, 'r');
      return new GrowingFile(path, fh, (await fh.stat()).ino);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new GrowingFile(path, undefined, -1);
      throw e;
    }
  }

  /** Lines completed since the last call (without their newline). */
  async readLines(): Promise<string[]> {
    if (!this.fh) return [];
    const chunks: Buffer[] = [this.carry];
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await this.fh.read(buf, 0, buf.length, this.offset);
      if (bytesRead === 0) break;
      this.offset += bytesRead;
      chunks.push(Buffer.from(buf.subarray(0, bytesRead)));
    }
    const all = Buffer.concat(chunks);
    const end = all.lastIndexOf(0x0a);
    if (end < 0) {
      this.carry = all;
      return [];
    }
    this.carry = Buffer.from(all.subarray(end + 1));
    return all.subarray(0, end).toString('utf8').split('\n');
  }

  /** True when the path now names another file (rotated) or appeared since we opened it. */
  async replaced(): Promise<boolean> {
    try {
      return (await stat(this.path)).ino !== this.ino;
    } catch {
      return false;
    }
  }

  async close() {
    await this.fh?.close().catch(ignoreError('closing a log file that may be closed already'));
    this.fh = undefined;
  }
}
