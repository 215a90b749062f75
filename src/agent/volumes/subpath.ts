// subPath mounts without the CVE-2017-1002101 escape. A container owns its volume's contents: it can
// replace the subPath directory with a symlink to any host path, and a later restart would make the
// runtime bind-mount whatever the symlink names. So the subPath is resolved here, inside the volume,
// one component at a time with O_NOFOLLOW through /proc/self/fd/<parent>/<name> (Node has no
// openat; the kernel resolves the magic link to the very directory the fd holds). Symlinks inside
// the volume are followed by hand, relative to the volume root, and refused when they leave it. The
// final fd is bind-mounted to a staging path the agent owns, and runc only ever sees that path: what
// the container does to its volume after the check can no longer change what is mounted.

import { execFile } from 'node:child_process';
import { closeSync, constants, fchmodSync, fchownSync, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, type Stats } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { expand } from '../pods/container-config.js';
import { mountsUnder, unmount } from '../runtime/host.js';

const run = promisify(execFile);

/** O_PATH (Linux, x86-64/arm64 value): an fd that names a file without opening it, so no device or FIFO side effects. */
const O_PATH = 0o10000000;
const MAX_LINKS = 40;

/** The subPath cannot be mounted safely: the container waits with CreateContainerConfigError. */
export class SubPathError extends Error {}

/** Checks a subPath as the API does (relative, no ".."), on the node too: the agent trusts no input. */
export function checkSubPath(sub: string, field = 'subPath'): void {
  if (sub.startsWith('/')) throw new SubPathError(`${field} "${sub}": must be a relative path`);
  if (sub.split('/').includes('..')) throw new SubPathError(`${field} "${sub}": must not contain '..'`);
  if (sub.includes('\0')) throw new SubPathError(`${field}: must not contain NUL`);
}

export interface Resolved {
  /** An O_PATH fd of the subPath inside the volume; the caller closes it. */
  fd: number;
  isDir: boolean;
}

/**
 * Resolves sub inside the volume at root without following any symlink out of it; creates missing
 * directories (as the kubelet does) with the volume root's mode and group.
 */
export function resolveInVolume(root: string, sub: string): Resolved {
  checkSubPath(sub);
  const rootFd = openSync(root, O_PATH | constants.O_DIRECTORY);
  const rootSt = fstatSync(rootFd);
  const stack = [rootFd];
  const pending = sub.split('/').filter((c) => c && c !== '.');
  let links = 0;
  try {
    while (pending.length) {
      const name = pending.shift()!;
      if (name === '..') {
        // Only symlink targets bring "..": popping past the root would leave the volume.
        if (stack.length === 1) throw new SubPathError(`subPath "${sub}" resolves outside the volume`);
        closeSync(stack.pop()!);
        continue;
      }
      const parent = stack[stack.length - 1];
      const p = `/proc/self/fd/${parent}/${name}`;
      let st: Stats | undefined = lstatSync(p, { throwIfNoEntry: false });
      if (!st) {
        mkdirSync(p, { mode: 0o700 });
        // Mode and owner through an fd opened without following symlinks: the container could swap
        // the new directory for a symlink to a host file, and chmod/chown by path would follow it.
        const made = openSync(p, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
        try {
          fchmodSync(made, rootSt.mode & 0o7777);
          fchownSync(made, rootSt.uid, rootSt.gid);
        } finally {
          closeSync(made);
        }
        st = lstatSync(p);
      }
      if (st.isSymbolicLink()) {
        if (++links > MAX_LINKS) throw new SubPathError(`subPath "${sub}": too many levels of symbolic links`);
        const target = readlinkSync(p);
        if (target.startsWith('/')) throw new SubPathError(`subPath "${sub}" is a symlink to "${target}", outside the volume`);
        pending.unshift(...target.split('/').filter((c) => c && c !== '.'));
        continue;
      }
      if (pending.length && !st.isDirectory()) throw new SubPathError(`subPath "${sub}": "${name}" is not a directory`);
      if (!st.isDirectory() && !st.isFile()) throw new SubPathError(`subPath "${sub}" is neither a directory nor a regular file`);
      const fd = openSync(p, O_PATH | constants.O_NOFOLLOW | (st.isDirectory() ? constants.O_DIRECTORY : 0));
      const fst = fstatSync(fd);
      stack.push(fd);
      // Swapped between lstat and open: refuse rather than guess.
      if (fst.ino !== st.ino || fst.dev !== st.dev) throw new SubPathError(`subPath "${sub}" changed while it was being resolved`);
    }
    const fd = stack.pop()!;
    for (const f of stack) closeSync(f);
    stack.length = 0;
    return { fd, isDir: fstatSync(fd).isDirectory() };
  } catch (e) {
    for (const f of stack) closeSync(f);
    if (e instanceof SubPathError) throw e;
    throw new SubPathError(`subPath "${sub}": ${(e as Error).message.replace(/\/proc\/self\/fd\/\d+\//g, '')}`);
  }
}

/**
 * Resolves sub inside the volume and bind-mounts it on staging (a path the agent owns): the path to
 * give runc. A second call for the same staging path replaces the first mount.
 */
export async function stageSubPath(root: string, sub: string, staging: string): Promise<string> {
  const r = resolveInVolume(root, sub);
  try {
    await removeStaged(staging);
    await mkdir(dirname(staging), { recursive: true, mode: 0o700 });
    if (r.isDir) await mkdir(staging, { mode: 0o700 });
    else await writeFile(staging, '', { mode: 0o600 });
    // --no-canonicalize: mount(8) must hand the magic link to the kernel, not a path it re-resolves.
    await run('mount', ['--bind', '--no-canonicalize', `/proc/${process.pid}/fd/${r.fd}`, staging]);
  } finally {
    closeSync(r.fd);
  }
  return staging;
}

/** Unmounts every staged subPath under dir and removes it; refuses to delete while something stays mounted. */
export async function removeStaged(dir: string): Promise<void> {
  await unmount(dir);
  const left = await mountsUnder(dir);
  if (left.length) throw new Error(`cannot remove ${dir}: still mounted: ${left.join(', ')}`);
  await rm(dir, { recursive: true, force: true });
}

/**
 * The subPath a volumeMount asks for: subPath as written, or subPathExpr with $(VAR) expanded from the
 * container's environment (as the kubelet does); '' for none, an Error when it is not acceptable.
 */
export function subPathOf(vm: { subPath?: string; subPathExpr?: string }, env: string[]): string | Error {
  try {
    if (vm.subPath && vm.subPathExpr) throw new SubPathError('subPath and subPathExpr are mutually exclusive');
    if (vm.subPath) {
      checkSubPath(vm.subPath);
      return vm.subPath;
    }
    if (!vm.subPathExpr) return '';
    const vars = new Map(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as [string, string]));
    const sub = expand(vm.subPathExpr, vars);
    checkSubPath(sub, `subPathExpr "${vm.subPathExpr}" expanded to`);
    return sub;
  } catch (e) {
    return e as Error;
  }
}
