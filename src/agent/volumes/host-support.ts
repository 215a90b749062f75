// What the host must have for in-tree network volumes, checked before trying: the mount helpers and
// initiator tools (from the distribution's packages) and the kernel's client. A node without them
// gets a FailedMount event that says exactly what is missing and what to install, instead of
// mount's "wrong fs type, bad option, bad superblock".

import { access, readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { SYSTEM_BIN_DIRS, which } from '../../util/which.js';

/** The full path of an executable in the usual system directories, or undefined. */
export const findExecutable = (name: string, dirs = SYSTEM_BIN_DIRS) => which(name, dirs);

/** Filesystems the running kernel can mount now (/proc/filesystems). */
export async function kernelFilesystems(): Promise<Set<string>> {
  const text = await readFile('/proc/filesystems', 'utf8').catch(() => '');
  return new Set(
    text
      .split('\n')
      .map((l) => l.trim().split(/\s+/).pop() ?? '')
      .filter(Boolean),
  );
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** Whether the kernel has this module loaded or on disk to load (mount and iscsiadm load them on demand). */
async function kernelModuleAvailable(module: string, relDirs: string[]): Promise<boolean> {
  if (await exists(join('/sys/module', module))) return true;
  const base = join('/lib/modules', release(), 'kernel');
  for (const d of relDirs) for (const ext of ['.ko', '.ko.xz', '.ko.zst', '.ko.gz']) if (await exists(join(base, d, `${module}${ext}`))) return true;
  // Built into the kernel: listed in modules.builtin.
  const builtin = await readFile(join('/lib/modules', release(), 'modules.builtin'), 'utf8').catch(() => '');
  return builtin.split('\n').some((l) => l.endsWith(`/${module}.ko`));
}

/** Why this node cannot mount NFS, or undefined when it can try. */
export async function nfsUnsupported(nodeName: string): Promise<string | undefined> {
  if (!(await findExecutable('mount.nfs'))) return `mount.nfs not found: install nfs-common (Debian, Ubuntu) or nfs-utils (Fedora, RHEL) on node ${nodeName}`;
  if (!(await kernelFilesystems()).has('nfs') && !(await kernelModuleAvailable('nfs', ['fs/nfs']))) return `the kernel of node ${nodeName} has no NFS client (no nfs in /proc/filesystems and no nfs module for kernel ${release()})`;
  return undefined;
}

/** Why this node cannot attach iSCSI disks, or undefined when it can try. */
export async function iscsiUnsupported(nodeName: string): Promise<string | undefined> {
  if (!(await findExecutable('iscsiadm'))) return `iscsiadm not found: install open-iscsi (Debian, Ubuntu) or iscsi-initiator-utils (Fedora, RHEL) on node ${nodeName}`;
  if (!(await kernelModuleAvailable('iscsi_tcp', ['drivers/scsi']))) return `the kernel of node ${nodeName} has no iSCSI initiator (no iscsi_tcp module for kernel ${release()})`;
  return undefined;
}
