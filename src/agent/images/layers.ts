// Extracted layers: <root>/layers/<diffID hex>/, each extracted once and shared by every image that
// has it. Extraction goes to a temporary directory that is renamed into place when complete (and
// synced), so a crash never leaves a half layer under its final name.

import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { digestHex } from './digest.js';
import { extractLayerFile } from './layer-extract.js';
import type { Logger } from '../../util/log.js';
import { ifMissing } from '../../util/best-effort.js';

const run = promisify(execFile);

export class LayerStore {
  readonly dir: string;
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    root: string,
    private readonly log: Logger,
  ) {
    this.dir = join(root, 'layers');
  }

  path(diffID: string): string {
    return join(this.dir, digestHex(diffID));
  }

  async has(diffID: string): Promise<boolean> {
    return stat(this.path(diffID)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  /** The extracted directory of the layer with this diffID, extracting blobPath when missing. */
  ensure(diffID: string, blobPath: string): Promise<string> {
    let p = this.inflight.get(diffID);
    if (!p) {
      p = this.extract(diffID, blobPath).finally(() => this.inflight.delete(diffID));
      this.inflight.set(diffID, p);
    }
    return p;
  }

  private async extract(diffID: string, blobPath: string): Promise<string> {
    const final = this.path(diffID);
    if (await this.has(diffID)) return final;
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.tmp-${digestHex(diffID).slice(0, 16)}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(tmp, { mode: 0o755 });
    const started = Date.now();
    try {
      const stats = await extractLayerFile(blobPath, tmp);
      if (stats.diffID !== diffID) throw new Error(`layer content has diffID ${stats.diffID}, but the image config says ${diffID} (corrupted image)`);
      // One syncfs for the whole layer instead of an fsync per file.
      await run('sync', ['-f', tmp]).catch(() => run('sync', []));
      try {
        await rename(tmp, final);
      } catch (e) {
        // Another process extracted it first: theirs is as good as ours.
        if (!['ENOTEMPTY', 'EEXIST'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
        await rm(tmp, { recursive: true, force: true });
      }
      this.log.debug('layer extracted', { diffID, entries: stats.entries, whiteouts: stats.whiteouts, ms: Date.now() - started });
      return final;
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }

  async remove(diffID: string): Promise<void> {
    await rm(this.path(diffID), { recursive: true, force: true });
  }

  /** Remove temporary directories left by a crashed extraction (older than maxAgeMs, so never a live one). */
  async cleanTemporaries(maxAgeMs = 3_600_000): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const n of names) {
      if (!n.startsWith('.tmp-')) continue;
      const st = await stat(join(this.dir, n)).catch(ifMissing);
      if (st && Date.now() - st.mtimeMs > maxAgeMs) await rm(join(this.dir, n), { recursive: true, force: true });
    }
  }
}
