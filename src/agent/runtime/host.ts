// Host operations the runtime needs (mounts, cgroups), through the standard tools so the agent
// needs no native code.

import { readdir, readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type ExecOptions as CommandOptions, execFileHelped } from '../../util/exec-helper.js';
import { errorText, ifMissing, ignoreIf, logFailureOnce } from '../../util/best-effort.js';
import { logger } from '../../util/log.js';

const log = logger('agent');

/** umount's answer for a mount gone already (unmounted by another step in between): what the step wanted. */
export const notMounted = (e: unknown) => /not mounted|no mount point/i.test(errorText(e));

// Through the helper process: the agent's loop does not stop for each fork (util/exec-helper.ts).
const run = (cmd: string, args: string[], o?: CommandOptions) => execFileHelped(cmd, args, o);

/** Mounts an overlayfs: layers lowest first (overlayfs wants the topmost lowerdir first); extra: more mount options (metacopy=on). */
export async function mountOverlay(layers: string[], upper: string, work: string, target: string, extra: string[] = []) {
  if (layers.length === 0) throw new Error('image has no layers');
  const lower = [...layers].reverse().join(':');
  await run('mount', ['-t', 'overlay', 'overlay', '-o', [...extra, `lowerdir=${lower},upperdir=${upper},workdir=${work}`].join(','), target]);
}

/** Unmounts path and anything mounted below it; silent when nothing is mounted. */
export async function unmount(path: string) {
  const mounts = await mountsUnder(path);
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    await run('umount', ['-l', m]).catch(ignoreIf(notMounted, logFailureOnce(log, 'unmounting', { mount: m })));
  }
}

export async function mountsUnder(path: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp && (mp === path || mp.startsWith(path.endsWith('/') ? path : path + '/'))) out.push(mp.replace(/\\040/g, ' '));
  }
  return out;
}

/** Removes a cgroup directory (and its children) in every mounted v1 controller and in v2. */
export async function removeCgroups(relPath: string) {
  const base = '/sys/fs/cgroup';
  const controllers = await readdir(base).catch(() => [] as string[]);
  const roots = [base, ...controllers.map((c) => join(base, c))];
  for (const root of roots) await rmdirTree(join(root, relPath));
}

async function rmdirTree(dir: string) {
  const entries = await readdir(dir, { withFileTypes: true }).catch(ifMissing);
  if (!entries) return;
  for (const e of entries) if (e.isDirectory()) await rmdirTree(join(dir, e.name));
  await rmdir(dir).catch(ifMissing);
}
