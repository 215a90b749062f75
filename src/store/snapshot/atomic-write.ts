// Writing a file so that it either exists whole or not at all: into a temporary name in the same
// directory, fsync, rename over the final name, fsync the directory (the rename itself is durable).
// A crash leaves at most a `.NAME.tmp-*` file, which `snapshot ls` ignores and the next save removes.

import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ifMissing, ignoreError } from '../../util/best-effort.js';

export const TMP_MARK = '.tmp-';

export async function fsyncDir(dir: string) {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Write through `fill` (given an open handle) to a temporary file, then publish it as `file`. */
export async function writeAtomically(file: string, mode: number, fill: (fh: import('node:fs/promises').FileHandle) => Promise<void>): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}${TMP_MARK}${randomBytes(6).toString('hex')}`);
  const fh = await open(tmp, 'wx', mode);
  try {
    await fill(fh);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(ignoreError('the write failed already: that error is thrown below'));
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dirname(file));
}

/** Temporary files a crashed writer left in dir (older than a minute, so a running writer's survive). */
export async function removeStaleTemps(dir: string, olderThanMs = 60_000) {
  const { stat } = await import('node:fs/promises');
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith('.') || !name.includes(TMP_MARK)) continue;
    const p = join(dir, name);
    const s = await stat(p).catch(ifMissing);
    if (s && Date.now() - s.mtimeMs > olderThanMs) await rm(p, { force: true });
  }
}
