// Finding a program: the first executable file of that name in a list of directories (the PATH by
// default). Shared by the agent's preflight and host checks, the CSI driver and `gifee doctor`.

import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** System directories where Debian puts admin tools, which a service's PATH may lack. */
export const SYSTEM_BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The full path of `cmd` in `dirs` (default: the PATH's directories), or undefined. */
export async function which(cmd: string, dirs: string[] = (process.env.PATH ?? '').split(delimiter)): Promise<string | undefined> {
  if (!cmd || cmd.includes('/')) return undefined;
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, cmd);
    if (
      await access(p, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return p;
  }
  return undefined;
}
