// The pod-level PID limit (the kubelet's --pod-max-pids): pids.max on the pod's own cgroup, the
// parent of its containers' cgroups, so every process and thread of all its containers counts
// against one budget and a fork bomb in one pod fails with EAGAIN instead of exhausting the
// node's PID space. runc creates the container cgroups below the directory made here.

import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ignoreError } from '../../util/best-effort.js';

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Whether a positive number is a usable limit (the CLI rejects anything else; this guards other callers). */
function validLimit(limit: number): boolean {
  return Number.isSafeInteger(limit) && limit > 0;
}

/**
 * Writes pids.max for the pod cgroup <parent>/pod<uid> (cgroup v1's pids hierarchy, else v2) and
 * returns the file written. Throws when neither hierarchy has a pids controller: a limit the user
 * asked for is never dropped silently.
 */
export async function setPodPidsLimit(cgroupParent: string, podUid: string, limit: number, root = CGROUP_ROOT): Promise<string> {
  if (!validLimit(limit)) throw new Error(`pod PID limit must be a positive integer, not ${limit}`);
  const rel = join(cgroupParent, `pod${podUid}`);
  const v1 = join(root, 'pids');
  if (await exists(join(v1, 'pids.current')).then((x) => x || exists(join(v1, 'cgroup.procs')))) {
    const dir = join(v1, rel);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'pids.max'), String(limit));
    return join(dir, 'pids.max');
  }
  const controllers = await readFile(join(root, 'cgroup.controllers'), 'utf8').catch(() => '');
  if (controllers.split(/\s+/).includes('pids')) {
    // v2: a controller is usable in a cgroup only if every ancestor delegates it.
    let dir = root;
    for (const part of rel.split('/').filter(Boolean)) {
      await writeFile(join(dir, 'cgroup.subtree_control'), '+pids').catch(ignoreError('delegated already, or not ours to change: the pids.max write below fails if the limit cannot hold'));
      dir = join(dir, part);
      await mkdir(dir, { recursive: true });
    }
    await writeFile(join(dir, 'pids.max'), String(limit));
    return join(dir, 'pids.max');
  }
  throw new Error(`no pids cgroup controller under ${root}: cannot enforce the pod PID limit (--pod-max-pids -1 disables it)`);
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );
