// OCI/Docker whiteouts in overlayfs form. A layer says "delete NAME" with an empty file ".wh.NAME"
// and "hide everything below this directory" with ".wh..wh..opq"; overlayfs wants a 0/0 character
// device NAME and the xattr trusted.overlay.opaque=y on the directory.
//
// Node can make neither a device node nor an xattr, so the extractor collects them and GNU tar (on
// every Debian, any architecture, unlike `setfattr` which is not installed by default) creates them
// all in one process from a small pax archive: char devices via mknod, xattrs from SCHILY.xattr
// records. Layers' own device nodes and FIFOs take the same path.

import { spawn } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { writeTar, type TarEntry } from './tar-writer.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
export const OPAQUE_XATTR = 'trusted.overlay.opaque';

export type WhiteoutKind = { kind: 'whiteout'; target: string } | { kind: 'opaque' } | { kind: 'aufs-meta' } | undefined;

/** What a file name in a layer means: a whiteout of target, an opaque marker, aufs metadata to skip, or a plain name. */
export function classifyName(base: string): WhiteoutKind {
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  if (base === OPAQUE_MARKER) return { kind: 'opaque' };
  // ".wh..wh.plnk", ".wh..wh.aufs": aufs bookkeeping, never part of the image's file tree.
  if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return { kind: 'aufs-meta' };
  const target = base.slice(WHITEOUT_PREFIX.length);
  if (!target || target === '.' || target === '..') return { kind: 'aufs-meta' };
  return { kind: 'whiteout', target };
}

export interface SpecialNode {
  path: string;
  type: 'char' | 'block' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  devmajor: number;
  devminor: number;
  mtime: number;
}

/**
 * Create whiteout devices, opaque xattrs and special nodes under root in one GNU tar run.
 * whiteouts and opaqueDirs are paths relative to root; opaque directories already exist.
 */
export async function applySpecialEntries(root: string, whiteouts: string[], opaqueDirs: string[], nodes: SpecialNode[]): Promise<void> {
  if (!whiteouts.length && !opaqueDirs.length && !nodes.length) return;
  const entries: TarEntry[] = [];
  for (const p of whiteouts) entries.push({ path: p, type: 'char', mode: 0, devmajor: 0, devminor: 0 });
  for (const n of nodes) entries.push({ ...n });
  for (const d of opaqueDirs) {
    // GNU tar sets a directory entry's mode, owner and times on the existing directory, so carry them over.
    const st = lstatSync(d ? join(root, d) : root);
    entries.push({ path: d || '.', type: 'directory', mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtimeMs / 1000, xattrs: { [OPAQUE_XATTR]: 'y' } });
  }
  await runTar(root, writeTar(entries));
}

function runTar(root: string, archive: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['--xattrs', '--xattrs-include=trusted.overlay.*', '--numeric-owner', '-p', '-x', '-f', '-', '-C', root], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', (e) => reject(new Error(`cannot run GNU tar to create whiteouts: ${e.message} (apt-get install tar)`)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`creating overlayfs whiteouts in ${root} failed (GNU tar exit ${code}): ${stderr.trim()}${/xattr/i.test(stderr) ? ' (the file system must support trusted.* extended attributes, and we must be root)' : ''}`));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(archive);
  });
}
