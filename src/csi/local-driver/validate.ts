// Hostile-input checks of the local driver: ids and names become file names, so they are a tight
// charset with a bounded length (no "..", no "/"); paths handed in by callers (staging and target
// paths) must lie under the agent directory the driver was given, symlinks resolved.

import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { CsiError, GrpcCode, type VolumeCapability } from '../types.js';
import { ifMissing } from '../../util/best-effort.js';

/** Names and ids: what Kubernetes generates (pvc-<uid>, snapshot-<uid>) and more, never a path. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function checkId(what: string, id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new CsiError(GrpcCode.INVALID_ARGUMENT, `${what} is required`);
  if (!ID.test(id) || id.includes('..')) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `${what} ${JSON.stringify(id.slice(0, 140))} is not valid: 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'`);
  return id;
}

/** A path a caller gave: absolute, normalized, strictly under `root`, and no symlink on the way out of it. */
export async function checkPathUnder(what: string, p: unknown, root: string): Promise<string> {
  if (typeof p !== 'string' || p === '') throw new CsiError(GrpcCode.INVALID_ARGUMENT, `${what} is required`);
  if (p.length > 4096 || p.includes('\0') || !isAbsolute(p)) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `${what} must be an absolute path`);
  const abs = resolve(p);
  const rel = relative(root, abs);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `${what} ${JSON.stringify(p)} is not under the agent directory ${root}`);
  // The deepest existing ancestor, symlinks resolved, must still be under the root's real path.
  const realRoot = await realpath(root).catch(() => root);
  let probe = abs;
  for (;;) {
    try {
      const real = await realpath(probe);
      const r = relative(realRoot, real);
      if (r.startsWith('..') || isAbsolute(r)) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `${what} ${JSON.stringify(p)} leaves the agent directory through a symlink`);
      break;
    } catch (e) {
      if (e instanceof CsiError) throw e;
      // Up to the root itself: above it (a root not made yet) there is nothing of the caller's to check.
      if (probe === resolve(root)) break;
      probe = dirname(probe);
    }
  }
  // The path itself must not be a symlink (a mount would follow it).
  const st = await lstat(abs).catch(ifMissing);
  if (st?.isSymbolicLink()) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `${what} ${JSON.stringify(p)} is a symlink`);
  return abs.endsWith(sep) ? abs.slice(0, -1) : abs;
}

export type VolumeMode = 'Filesystem' | 'Block';

/** Block or Filesystem from a list of capabilities (all of one kind), refusing what a single-node volume cannot offer. */
export function modeOf(caps: VolumeCapability[] | undefined): VolumeMode {
  if (!Array.isArray(caps) || caps.length === 0) throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'volume capabilities are required');
  const modes = new Set(caps.map(capabilityMode));
  if (modes.size > 1) throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'volume capabilities mix block and mount access');
  return [...modes][0];
}

export function capabilityMode(cap: VolumeCapability | undefined): VolumeMode {
  if (!cap || typeof cap !== 'object') throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'volume capability is required');
  if (cap.block && cap.mount) throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'a volume capability is either block or mount, not both');
  if (!cap.block && !cap.mount) throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'a volume capability needs block or mount access type');
  const mode = cap.accessMode?.mode;
  // A local volume lives on one node: ReadWriteOnce(Pod), and read-only on that node.
  if (mode !== 'SINGLE_NODE_WRITER' && mode !== 'SINGLE_NODE_READER_ONLY' && mode !== 'SINGLE_NODE_SINGLE_WRITER' && mode !== 'SINGLE_NODE_MULTI_WRITER') {
    throw new CsiError(GrpcCode.INVALID_ARGUMENT, `access mode ${String(mode)} is not supported by a node-local volume (single-node modes only)`);
  }
  return cap.block ? 'Block' : 'Filesystem';
}

/** StorageClass mountOptions reach mount(8) as one -o argument: simple tokens only. */
export function checkMountFlags(flags: unknown): string[] {
  if (flags === undefined) return [];
  if (!Array.isArray(flags) || flags.length > 32) throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'mount flags must be a list of at most 32 options');
  const out: string[] = [];
  for (const f of flags) {
    if (typeof f !== 'string' || !/^[A-Za-z0-9_=.:+-]{1,64}(,[A-Za-z0-9_=.:+-]{1,64})*$/.test(f)) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `mount flag ${JSON.stringify(String(f).slice(0, 80))} is not valid`);
    out.push(...f.split(','));
  }
  return out;
}
