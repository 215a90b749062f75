// Where the local driver keeps its volumes, snapshots and staging records, under
// <data dir>/storage/local: a sparse image file per volume and per snapshot, each with a small JSON
// record written after the image is complete (atomically, by rename), so a half-made volume left by
// a crash is never mistaken for a real one and is swept at the next start.

import { mkdir, readdir, readFile, rename, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VolumeMode } from './validate.js';

export interface VolumeRecord {
  volumeId: string;
  /** CreateVolume's name (the idempotency key; the same as volumeId for gifee's names). */
  name: string;
  capacityBytes: number;
  mode: VolumeMode;
  /** Filesystem volumes only. */
  fsType?: string;
  source?: { snapshotId?: string; volumeId?: string };
  createdAt: string;
}

export interface SnapshotRecord {
  snapshotId: string;
  name: string;
  sourceVolumeId: string;
  sizeBytes: number;
  mode: VolumeMode;
  fsType?: string;
  creationTime: { seconds: number; nanos: number };
}

/** A volume staged on this node: written by NodeStageVolume, removed by NodeUnstageVolume; survives agent restarts. */
export interface StagedRecord {
  volumeId: string;
  stagingTargetPath: string;
  mode: VolumeMode;
  device: string;
}

export class LocalStore {
  readonly root: string;
  readonly volumesDir: string;
  readonly snapshotsDir: string;
  readonly stagedDir: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'storage', 'local');
    this.volumesDir = join(this.root, 'volumes');
    this.snapshotsDir = join(this.root, 'snapshots');
    this.stagedDir = join(this.root, 'staged');
  }

  async init() {
    for (const d of [this.volumesDir, this.snapshotsDir, this.stagedDir]) await mkdir(d, { recursive: true, mode: 0o700 });
  }

  volumeImage = (id: string) => join(this.volumesDir, `${id}.img`);
  snapshotImage = (id: string) => join(this.snapshotsDir, `${id}.img`);
  /** Where an image is built before it is complete (renamed into place, then the record written). */
  tmpImage = (final: string) => `${final}.tmp`;

  getVolume = (id: string) => readJson<VolumeRecord>(join(this.volumesDir, `${id}.json`));
  putVolume = (v: VolumeRecord) => writeJson(join(this.volumesDir, `${v.volumeId}.json`), v);
  async removeVolume(id: string) {
    // The record first: a crash in between leaves an image without a record, which the sweep removes.
    await rm(join(this.volumesDir, `${id}.json`), { force: true });
    await rm(this.volumeImage(id), { force: true });
  }

  getSnapshot = (id: string) => readJson<SnapshotRecord>(join(this.snapshotsDir, `${id}.json`));
  putSnapshot = (s: SnapshotRecord) => writeJson(join(this.snapshotsDir, `${s.snapshotId}.json`), s);
  async removeSnapshot(id: string) {
    await rm(join(this.snapshotsDir, `${id}.json`), { force: true });
    await rm(this.snapshotImage(id), { force: true });
  }

  getStaged = (id: string) => readJson<StagedRecord>(join(this.stagedDir, `${id}.json`));
  putStaged = (s: StagedRecord) => writeJson(join(this.stagedDir, `${s.volumeId}.json`), s);
  removeStaged = (id: string) => rm(join(this.stagedDir, `${id}.json`), { force: true });

  async volumeIds(): Promise<string[]> {
    return (await readdir(this.volumesDir)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
  }

  /** Removes images without a record and unfinished temporaries (a crash during create or delete). */
  async sweep(): Promise<string[]> {
    const removed: string[] = [];
    for (const dir of [this.volumesDir, this.snapshotsDir]) {
      const files = new Set(await readdir(dir));
      for (const f of files) {
        const orphanImage = f.endsWith('.img') && !files.has(`${f.slice(0, -4)}.json`);
        if (f.endsWith('.tmp') || orphanImage) {
          await rm(join(dir, f), { force: true });
          removed.push(join(dir, f));
        }
      }
    }
    return removed;
  }

  /** Bytes free for new images in the data dir (what an unprivileged writer may still use). */
  async freeBytes(): Promise<number> {
    const s = await statfs(this.root);
    return Number(s.bavail) * Number(s.bsize);
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function writeJson(file: string, value: unknown) {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, JSON.stringify(value), { mode: 0o600 });
  await rename(tmp, file);
}
