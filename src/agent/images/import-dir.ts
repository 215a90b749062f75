// The import directory (<dataDir>/images/import/), as k3s has for air-gapped nodes: image files
// dropped there are imported when the agent starts. Each file is imported once; which ones were is
// remembered by name, size and mtime in import-state.json, so a replaced file is imported again.

import { readdir, readFile, stat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from './atomic-file.js';
import type { ImageInfo } from './types.js';
import type { FsImageStore } from './store.js';
import { ifMissing } from '../../util/best-effort.js';

type ImportState = Record<string, { size: number; mtimeMs: number; importedAt: string }>;

export async function scanImportDir(store: FsImageStore): Promise<ImageInfo[]> {
  const dir = store.importDir;
  await mkdir(dir, { recursive: true });
  // The agent's start is also the moment to drop what crashed imports and extractions left behind.
  await store.cleanTemporaries().catch((e) => store.log.warn('cannot clean image store temporaries', { err: e as Error }));
  const statePath = join(store.root, 'import-state.json');
  const state: ImportState = await readFile(statePath, 'utf8').then(
    (t) => JSON.parse(t) as ImportState,
    () => ({}),
  );
  const out: ImageInfo[] = [];
  let changed = false;
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('.')) continue;
    const st = await stat(join(dir, name)).catch(ifMissing);
    if (!st) continue;
    const seen = state[name];
    if (seen && seen.size === st.size && seen.mtimeMs === st.mtimeMs) continue;
    try {
      out.push(...(await store.importFile(join(dir, name))));
      state[name] = { size: st.size, mtimeMs: st.mtimeMs, importedAt: new Date().toISOString() };
      changed = true;
    } catch (e) {
      // One bad file must not keep the others (or the agent) from starting; it is retried next start.
      store.log.error('image import failed', { file: join(dir, name), err: e as Error });
    }
  }
  if (changed) await writeJsonAtomic(statePath, state);
  return out;
}
