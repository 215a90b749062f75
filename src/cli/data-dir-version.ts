// Which gifee last ran on a data dir, recorded in DATA/gifee-version.json, so that an older gifee
// refuses a data dir a newer one has written (its store, PKI or state files may be in a shape the
// older one misreads) instead of starting and damaging it. Checked before anything is written; the
// stamp is (re)written once the data dir is ours, so an upgrade moves it forward and a downgrade
// is refused from then on.

import { open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from './args.js';
import { ifMissing } from '../util/best-effort.js';

export const DATA_DIR_VERSION_FILE = 'gifee-version.json';

/** Larger than any stamp gifee writes: a bigger file is not ours, and is not read whole. */
const MAX_STAMP_BYTES = 4096;

export interface DataDirStamp {
  gifee: string;
}

/** The numeric parts of a version "1.2.3" (a pre-release or build suffix is ignored), or undefined. */
export function versionParts(v: string): [number, number, number] | undefined {
  const m = /^v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})(?:[-+][0-9A-Za-z.+-]*)?$/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** <0, 0 or >0 as version a is older than, the same as or newer than b (both valid). */
export function compareVersions(a: string, b: string): number {
  const x = versionParts(a)!;
  const y = versionParts(b)!;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** The stamp's version, from the file's text; throws a message naming what is wrong. */
export function parseStamp(text: string): DataDirStamp {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error('it is not JSON');
  }
  const v = (doc as { gifee?: unknown } | null)?.gifee;
  if (typeof v !== 'string' || !versionParts(v)) throw new Error('it has no "gifee" version like "1.2.3"');
  return { gifee: v };
}

/** The stamp of a data dir: undefined when the dir or the file does not exist (a new or pre-stamp data dir). */
export async function readDataDirStamp(dataDir: string): Promise<DataDirStamp | undefined> {
  const file = join(dataDir, DATA_DIR_VERSION_FILE);
  const st = await stat(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
    throw e;
  });
  if (!st) return undefined;
  const what = `${file} cannot be read`;
  const fix = `; if this data dir is gifee's, remove ${file} and start again (gifee writes it anew)`;
  if (!st.isFile()) throw new UsageError(`${what}: it is not a regular file${fix}`);
  if (st.size > MAX_STAMP_BYTES) throw new UsageError(`${what}: it is ${st.size} bytes, more than a version stamp${fix}`);
  const fh = await open(file, 'r');
  let text: string;
  try {
    const buf = Buffer.alloc(MAX_STAMP_BYTES + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    text = buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
  try {
    return parseStamp(text);
  } catch (e) {
    throw new UsageError(`${what}: ${(e as Error).message}${fix}`);
  }
}

/**
 * Refuses (a UsageError: exit 2, nothing changed) a data dir last used by a newer gifee. An older or
 * equal stamp, or none, is fine. `command` names who refuses, for the message.
 */
export async function checkDataDirVersion(dataDir: string, ours: string, command: string): Promise<void> {
  const stamp = await readDataDirStamp(dataDir);
  if (!stamp || !versionParts(ours)) return;
  if (compareVersions(stamp.gifee, ours) > 0) {
    throw new UsageError(
      `${command}: the data dir ${dataDir} was last used by gifee ${stamp.gifee}, newer than this gifee ${ours}; ` +
        `its state may not be readable by this version, so nothing was started or changed. ` +
        `Run gifee ${stamp.gifee} or newer, or start with a different --data-dir (gifee reset --purge removes this one and all its state).`,
    );
  }
}

/** Records that gifee `ours` uses the data dir (atomically: a half-written stamp never refuses a start). */
export async function stampDataDir(dataDir: string, ours: string): Promise<void> {
  const file = join(dataDir, DATA_DIR_VERSION_FILE);
  const current = await readFile(file, 'utf8').catch(ifMissing);
  const text = `${JSON.stringify({ gifee: ours })}\n`;
  if (current === text) return;
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text, { mode: 0o644 });
  await rename(tmp, file);
}
