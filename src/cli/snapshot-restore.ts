// Restoring a snapshot into a data dir, with the checks only the command line can make: no gifee
// process may be using the data dir (its open database would be replaced under it), and a server
// started with --restore-from restores each snapshot once (DATA/restored-from records its checksum),
// so a unit file that keeps the flag does not roll the cluster back at every restart.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readHeader, type SnapshotMeta, SnapshotError, type StoreKind } from '../store/snapshot/format.js';
import { restoreSnapshot } from '../store/snapshot/restore.js';
import { UsageError } from './args.js';
import { defaultDataDir } from './commands.js';
import { gifeeProcessesUsing } from './running-gifee.js';

const MARKER = 'restored-from';

export async function assertNoServerOn(dataDir: string) {
  const running = await gifeeProcessesUsing(dataDir, defaultDataDir());
  if (running.length) throw new UsageError(`cannot restore into ${dataDir}: ${running.map((p) => `${p.command} (pid ${p.pid})`).join(', ')} is using it; stop it first`);
}

/** Restores `file` into `dataDir`; returns undefined when --restore-from already restored this very snapshot. */
export async function restoreInto(file: string, dataDir: string, opts: { store?: StoreKind; once?: boolean; etcdDbOut?: string }): Promise<SnapshotMeta | undefined> {
  await assertNoServerOn(dataDir);
  try {
    if (opts.once) {
      const { meta } = await readHeader(file);
      const done = await readFile(join(dataDir, MARKER), 'utf8').catch(() => '');
      if (done.trim() === meta.sha256) return undefined;
    }
    const meta = await restoreSnapshot({ file, dataDir, expectStore: opts.store, etcdDbOut: opts.etcdDbOut });
    await writeFile(join(dataDir, MARKER), `${meta.sha256}\n`, { mode: 0o600 });
    return meta;
  } catch (e) {
    if (e instanceof SnapshotError) throw new UsageError(`cannot restore ${file}: ${e.message}`);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && (e as NodeJS.ErrnoException).path === file) throw new UsageError(`cannot restore: no such file ${file}`);
    throw e;
  }
}
