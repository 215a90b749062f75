// Which gifee processes on this machine use a data dir: read from /proc (each process's command
// line), so `gifee reset` can refuse, or stop them with --force, before removing what they use.

import { readdir, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ifMissing } from '../util/best-effort.js';

export interface GifeeProcess {
  pid: number;
  command: string;
}

const LONG_RUNNING = new Set(['up', 'server', 'agent']);

/** The gifee up/server/agent processes whose data dir is `dataDir` (`defaultDataDir` when they name none). */
export async function gifeeProcessesUsing(dataDir: string, defaultDataDir: string): Promise<GifeeProcess[]> {
  const want = resolve(dataDir);
  const out: GifeeProcess[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const raw = await readFile(`/proc/${pid}/cmdline`).catch(ifMissing);
    if (!raw) continue;
    const argv = raw.toString('utf8').split('\0').filter(Boolean);
    const entryAt = argv.findIndex((a) => /(?:^|\/)(?:cli\/main|bin\/gifee)\.(?:js|ts)$/.test(a) || /(?:^|\/)gifee$/.test(a));
    if (entryAt < 0) continue;
    const command = argv[entryAt + 1];
    if (!LONG_RUNNING.has(command)) continue;
    const flagAt = argv.indexOf('--data-dir', entryAt);
    const inline = argv.find((a) => a.startsWith('--data-dir='));
    const dir = flagAt > 0 ? argv[flagAt + 1] : inline ? inline.slice('--data-dir='.length) : defaultDataDir;
    if (dir && resolve(dir) === want) out.push({ pid, command: `gifee ${command}` });
  }
  return out;
}
