// What is mounted where, from /proc/self/mountinfo (the agent and the driver share a mount namespace),
// and the mount/umount calls of the node service.

import { readFile } from 'node:fs/promises';
import { run } from './exec.js';

export interface MountEntry {
  mountPoint: string;
  /** The path inside the source filesystem that is mounted (a bind mount of /dev/loop3 from devtmpfs: /loop3). */
  root: string;
  fsType: string;
  source: string;
  options: string;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
const unescapeOctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const [pre, post] = line.split(' - ');
    if (!post) continue;
    const f = pre.split(' ');
    const g = post.split(' ');
    out.push({ mountPoint: unescapeOctal(f[4]), root: unescapeOctal(f[3]), options: f[5], fsType: g[0], source: unescapeOctal(g[1] ?? '') });
  }
  return out;
}

export async function mounts(): Promise<MountEntry[]> {
  return parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** The mounts stacked on a path, newest last. */
export async function mountsAt(path: string): Promise<MountEntry[]> {
  return (await mounts()).filter((m) => m.mountPoint === path);
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await mountsAt(path)).length > 0;
}

export async function mountDevice(device: string, target: string, fsType: string, options: string[]) {
  const args = ['-t', fsType];
  if (options.length) args.push('-o', options.join(','));
  await run('mount', [...args, device, target], { timeoutMs: 60_000 });
}

export async function bindMount(source: string, target: string, readonly: boolean) {
  await run('mount', ['--bind', source, target]);
  // A bind mount takes the read-only flag only on a remount.
  if (readonly) await run('mount', ['-o', 'remount,bind,ro', target]);
}

/** Unmounts every mount stacked on a path (bounded: a path is mounted over only a few times). */
export async function unmountAll(path: string) {
  for (let i = 0; i < 16 && (await isMountPoint(path)); i++) await run('umount', [path], { timeoutMs: 60_000 });
  if (await isMountPoint(path)) throw new Error(`${path} is still mounted after 16 unmounts`);
}

/** Where a loop device is in use: mounted as a filesystem, or bind-mounted as a device node (a published block volume). */
export function usesOf(all: MountEntry[], device: string): MountEntry[] {
  const node = `/${device.replace(/^\/dev\//, '')}`;
  return all.filter((m) => m.source === device || ((m.fsType === 'devtmpfs' || m.fsType === 'tmpfs') && m.root === node));
}
