// The references index (<root>/refs.json): normalized reference -> image. Shared by every process
// that uses the store (the agent, `gifee images import`), so it is never trusted from memory: read()
// re-reads the file whenever its identity (inode, size, mtime) changed, and update() re-reads it under
// a lock file and replaces it atomically.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock, writeJsonAtomic } from './atomic-file.js';

export interface RefEntry {
  /** Image config digest: the image ID. */
  id: string;
  /** Digest of the platform image manifest whose layers make the image. */
  manifest: string;
  /** The digest a registry or layout knows the image by (an index's when it came from one); absent for docker-archives. */
  repoDigest?: string;
  /** When this reference was last set (RFC 3339). */
  updated: string;
}

export type Refs = Record<string, RefEntry>;

interface RefsFile {
  version: 1;
  refs: Refs;
}

export class RefsIndex {
  readonly path: string;
  private readonly lockPath: string;
  private cache?: { key: string; refs: Refs };

  constructor(root: string) {
    this.path = join(root, 'refs.json');
    this.lockPath = join(root, 'refs.lock');
  }

  private async load(): Promise<{ key: string; refs: Refs }> {
    const st = await stat(this.path).catch((e) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (!st) return { key: 'missing', refs: {} };
    const key = `${st.ino}:${st.size}:${st.mtimeMs}`;
    if (this.cache?.key === key) return this.cache;
    const text = await readFile(this.path, 'utf8');
    let parsed: RefsFile;
    try {
      parsed = JSON.parse(text) as RefsFile;
    } catch (e) {
      throw new Error(`image references index ${this.path} is not valid JSON (${(e as Error).message}); remove it and import the images again`);
    }
    this.cache = { key, refs: parsed.refs ?? {} };
    return this.cache;
  }

  /** The current references (a snapshot; do not mutate). */
  async read(): Promise<Readonly<Refs>> {
    return (await this.load()).refs;
  }

  /** Change the index under the lock; fn mutates a fresh copy. Returns the new references. */
  async update(fn: (refs: Refs) => void | Promise<void>): Promise<Refs> {
    return withFileLock(this.lockPath, async () => {
      this.cache = undefined;
      const refs: Refs = structuredClone((await this.load()).refs);
      await fn(refs);
      const file: RefsFile = { version: 1, refs: Object.fromEntries(Object.entries(refs).sort(([a], [b]) => a.localeCompare(b))) };
      await writeJsonAtomic(this.path, file);
      this.cache = undefined;
      return refs;
    });
  }
}
