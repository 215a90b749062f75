// Extract one layer tar (gzip or plain) into a directory that can serve as an overlayfs lowerdir:
// modes (setuid included), owners, times, symlinks and hardlinks kept; whiteouts converted (see
// whiteouts.ts). Entries may not escape the directory, by ".." or through a symlink the layer made.

import { createReadStream, closeSync, fchmodSync, fchownSync, futimesSync, linkSync, lchownSync, lstatSync, lutimesSync, mkdirSync, openSync, rmSync, symlinkSync, utimesSync, chownSync, chmodSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { posix, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';
import { HashingStream } from './digest.js';
import { applySpecialEntries, classifyName, type SpecialNode } from './whiteouts.js';
import { ignoreError } from '../../util/best-effort.js';

export class LayerFormatError extends Error {}

export interface ExtractStats {
  /** sha256 of the uncompressed tar: the layer's diffID. */
  diffID: string;
  entries: number;
  whiteouts: number;
  opaqueDirs: number;
}

async function compression(path: string): Promise<'gzip' | 'zstd' | 'none'> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    if (bytesRead >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await fh.close();
  }
}

/** Extract the layer blob at blobPath into dest (which must exist and be empty). */
export async function extractLayerFile(blobPath: string, dest: string): Promise<ExtractStats> {
  const kind = await compression(blobPath);
  if (kind === 'zstd') throw new LayerFormatError('zstd-compressed layers are not supported (Node.js 20 has no zstd); use gzip or uncompressed layers');
  const raw = createReadStream(blobPath);
  return extractLayerStream(kind === 'gzip' ? raw.pipe(createGunzip()) : raw, dest, () => raw.destroy());
}

/** Extract an uncompressed tar stream into dest. */
export async function extractLayerStream(tarStream: Readable, dest: string, abort?: () => void): Promise<ExtractStats> {
  const writer = new LayerWriter(dest);
  const hasher = new HashingStream();
  let failure: Error | undefined;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      try {
        if (!failure) writer.entry(entry);
        else entry.resume();
      } catch (e) {
        failure ??= e as Error;
        entry.resume();
      }
    },
  });
  const ended = new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve());
    parser.on('error', (e: Error) => reject(e));
  });
  ended.catch(ignoreError('awaited below; this only keeps an early parser error from going unhandled'));
  tarStream.on('error', (e) => (failure ??= e));
  try {
    for await (const chunk of tarStream.pipe(hasher)) {
      parser.write(chunk as Buffer);
      if (failure) break;
    }
    if (failure) throw failure;
    parser.end();
    await ended;
    if (failure) throw failure;
  } catch (e) {
    abort?.();
    tarStream.destroy();
    const msg = (e as Error).message;
    throw e instanceof LayerFormatError ? e : new LayerFormatError(`layer is not a readable tar archive: ${msg}`);
  }
  await writer.finish();
  return { diffID: hasher.digest(), entries: writer.count, whiteouts: writer.whiteouts.length, opaqueDirs: writer.opaque.length };
}

/** Normalize a tar entry path to a clean relative path ("" is the root); refuse ".." escapes. */
export function cleanEntryPath(p: string): string {
  if (p.split('/').includes('..')) throw new LayerFormatError(`layer entry "${p}" has a ".." component (it could point outside the image)`);
  const n = posix
    .normalize('/' + p)
    .replace(/^\/+/, '')
    .replace(/\/+$/, '');
  return n === '.' ? '' : n;
}

class LayerWriter {
  count = 0;
  readonly whiteouts: string[] = [];
  readonly opaque: string[] = [];
  private readonly nodes: SpecialNode[] = [];
  /** Relative paths known to be real directories (not symlinks) that we may write below. */
  private readonly dirs = new Set<string>(['']);
  private readonly dirTimes: Array<[string, Date, Date]> = [];

  constructor(private readonly root: string) {}

  private abs(rel: string): string {
    return rel ? join(this.root, rel) : this.root;
  }

  /** Make sure every ancestor of rel is a real directory, creating missing ones. */
  private parents(rel: string): void {
    const parts = rel.split('/');
    let cur = '';
    for (let i = 0; i < parts.length - 1; i++) {
      cur = cur ? `${cur}/${parts[i]}` : parts[i];
      if (this.dirs.has(cur)) continue;
      const st = lstatSync(this.abs(cur), { throwIfNoEntry: false });
      if (!st) mkdirSync(this.abs(cur), { mode: 0o755 });
      else if (!st.isDirectory()) throw new LayerFormatError(`layer entry "${rel}" goes through "${cur}", which is not a directory${st.isSymbolicLink() ? ' but a symlink' : ''}`);
      this.dirs.add(cur);
    }
  }

  /** Remove whatever is at rel unless it is a directory and keepDir is set. */
  private clear(rel: string, keepDir: boolean): boolean {
    const st = lstatSync(this.abs(rel), { throwIfNoEntry: false });
    if (!st) return false;
    if (st.isDirectory() && keepDir) return true;
    rmSync(this.abs(rel), { recursive: true, force: true });
    for (const d of this.dirs) if (d === rel || d.startsWith(rel + '/')) this.dirs.delete(d);
    return false;
  }

  entry(e: ReadEntry): void {
    this.count++;
    const rel = cleanEntryPath(e.path);
    const base = posix.basename(rel);
    const dir = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
    const special = rel ? classifyName(base) : undefined;
    if (special) {
      e.resume();
      if (special.kind === 'aufs-meta') return;
      this.parents(rel);
      if (special.kind === 'opaque') this.opaque.push(dir);
      else this.whiteouts.push(dir ? `${dir}/${special.target}` : special.target);
      return;
    }
    const uid = e.uid ?? 0;
    const gid = e.gid ?? 0;
    const mode = (e.mode ?? 0o644) & 0o7777;
    const mtime = e.mtime ?? new Date(0);
    const atime = e.atime ?? mtime;
    if (rel) this.parents(rel);
    const abs = this.abs(rel);
    switch (e.type) {
      case 'Directory':
      case 'GNUDumpDir': {
        e.resume();
        if (!this.clear(rel, true)) mkdirSync(abs, { mode: 0o700 });
        chownSync(abs, uid, gid);
        chmodSync(abs, mode);
        this.dirs.add(rel);
        this.dirTimes.push([abs, atime, mtime]);
        return;
      }
      case 'File':
      case 'OldFile':
      case 'ContiguousFile': {
        if (!rel) throw new LayerFormatError('layer has a file entry for its root directory');
        this.clear(rel, false);
        const fd = openSync(abs, 'wx', 0o600);
        e.on('data', (c: Buffer) => {
          let off = 0;
          while (off < c.length) off += writeSync(fd, c, off);
        });
        e.on('end', () => {
          // chown before chmod: chown clears setuid/setgid bits.
          fchownSync(fd, uid, gid);
          fchmodSync(fd, mode);
          futimesSync(fd, atime, mtime);
          closeSync(fd);
        });
        return;
      }
      case 'SymbolicLink': {
        e.resume();
        if (!rel) throw new LayerFormatError('layer replaces its root directory with a symlink');
        this.clear(rel, false);
        symlinkSync(e.linkpath ?? '', abs);
        lchownSync(abs, uid, gid);
        lutimesSync(abs, atime, mtime);
        return;
      }
      case 'Link': {
        e.resume();
        const target = cleanEntryPath(e.linkpath ?? '');
        if (!target) throw new LayerFormatError(`hardlink "${rel}" points at the root directory`);
        const tdir = posix.dirname(target) === '.' ? '' : posix.dirname(target);
        if (!this.dirs.has(tdir)) throw new LayerFormatError(`hardlink "${rel}" points at "${target}", which this layer has not written`);
        const tst = lstatSync(this.abs(target), { throwIfNoEntry: false });
        if (!tst || tst.isDirectory()) throw new LayerFormatError(`hardlink "${rel}" points at "${target}", which is ${tst ? 'a directory' : 'missing'}`);
        this.clear(rel, false);
        linkSync(this.abs(target), abs);
        return;
      }
      case 'CharacterDevice':
      case 'BlockDevice':
      case 'FIFO': {
        e.resume();
        this.clear(rel, false);
        const h = e.header as { devmaj?: number; devmin?: number };
        this.nodes.push({ path: rel, type: e.type === 'FIFO' ? 'fifo' : e.type === 'BlockDevice' ? 'block' : 'char', mode, uid, gid, devmajor: h.devmaj ?? 0, devminor: h.devmin ?? 0, mtime: mtime.getTime() / 1000 });
        return;
      }
      default:
        // Extended headers are consumed by the parser; anything else (sparse, volume labels) is skipped.
        e.resume();
    }
  }

  async finish(): Promise<void> {
    await applySpecialEntries(this.root, this.whiteouts, [...new Set(this.opaque)], this.nodes);
    // Directory times last: creating entries inside a directory changes its mtime.
    for (let i = this.dirTimes.length - 1; i >= 0; i--) {
      const [abs, atime, mtime] = this.dirTimes[i];
      try {
        utimesSync(abs, atime, mtime);
      } catch {
        /* removed by a later entry */
      }
    }
  }
}
