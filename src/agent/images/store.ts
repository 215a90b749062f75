// The node's image store (ImageStore from types.ts) rooted at <dataDir>/images:
//   blobs/sha256/<hex>      manifests, configs, layer tarballs by digest
//   layers/<diffID hex>/    each layer extracted once, an overlayfs lowerdir
//   refs.json               normalized reference -> image (see refs-index.ts)
//   import/                 files dropped here are imported at start (scanImportDir)
// Nothing about images is kept in memory beyond immutable content (manifests and configs by digest),
// so imports by another process (`gifee images import`) are visible at once.

import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { logger, type Logger } from '../../util/log.js';
import { BlobStore } from './blobs.js';
import { LayerStore } from './layers.js';
import { RefsIndex, type RefEntry, type Refs } from './refs-index.js';
import { parseReference } from './reference.js';
import { parseConfig, parseManifest, runConfig, type ImageConfigFile, type ImageManifest } from './manifest.js';
import { type ByteProgress, ImageError, type ImageInfo, type ImageStore, type PullAuth, type PullPolicy } from './types.js';
import { importArchive } from './import.js';
import { scanImportDir } from './import-dir.js';
import { pullImage } from './pull.js';
import { ifMissing, logFailureOnce } from '../../util/best-effort.js';

export interface ImageStoreOptions {
  /** The agent's data dir; the store lives in <dataDir>/images. */
  dataDir: string;
  /** Registries (host[:port]) spoken to over plain HTTP. 127.0.0.1, localhost and ::1 always are. */
  insecureRegistries?: string[];
  log?: Logger;
}

interface LoadedImage {
  manifest: ImageManifest;
  config: ImageConfigFile;
}

export class FsImageStore implements ImageStore {
  readonly root: string;
  readonly blobs: BlobStore;
  readonly layers: LayerStore;
  readonly refs: RefsIndex;
  readonly log: Logger;
  readonly insecureRegistries: string[];
  /** Manifest digest -> parsed manifest and config: content-addressed, so never stale. */
  private readonly loaded = new Map<string, LoadedImage>();
  private readonly pulls = new Map<string, Promise<ImageInfo>>();

  constructor(opts: ImageStoreOptions) {
    this.root = join(opts.dataDir, 'images');
    this.log = opts.log ?? logger('images');
    this.blobs = new BlobStore(this.root);
    this.layers = new LayerStore(this.root, this.log);
    this.refs = new RefsIndex(this.root);
    this.insecureRegistries = opts.insecureRegistries ?? [];
  }

  get importDir(): string {
    return join(this.root, 'import');
  }

  /** A private scratch directory on the store's file system (so its files can be renamed into place). */
  async scratchDir(prefix: string): Promise<string> {
    const dir = join(this.root, 'tmp');
    await mkdir(dir, { recursive: true });
    return mkdtemp(join(dir, `${prefix}-`));
  }

  async loadImage(manifestDigest: string): Promise<LoadedImage> {
    const hit = this.loaded.get(manifestDigest);
    if (hit) return hit;
    const what = `image manifest ${manifestDigest}`;
    const manifest = parseManifest(await this.blobs.readJson(manifestDigest), what);
    const config = parseConfig(await this.blobs.readJson(manifest.config.digest), manifest, what);
    const img = { manifest, config };
    this.loaded.set(manifestDigest, img);
    return img;
  }

  /**
   * Make the image whose manifest blob (and config and layer blobs) is in the store usable: extract
   * its layers, then point refs at it. Layers first, so a reference never names a half image.
   */
  async install(manifestDigest: string, refs: string[], repoDigest?: string): Promise<ImageInfo> {
    const { manifest, config } = await this.loadImage(manifestDigest);
    const diffIDs = config.rootfs!.diff_ids!;
    await Promise.all(
      manifest.layers.map(async (layer, i) => {
        if (!(await this.blobs.has(layer.digest))) throw new Error(`layer ${layer.digest} of image ${manifestDigest} is missing from the store`);
        await this.layers.ensure(diffIDs[i], this.blobs.path(layer.digest));
      }),
    );
    const entry: RefEntry = { id: manifest.config.digest, manifest: manifestDigest, updated: new Date().toISOString() };
    if (repoDigest) entry.repoDigest = repoDigest;
    const all = await this.refs.update((r) => {
      for (const ref of refs) r[ref] = entry;
    });
    const info = await this.info(entry, all);
    if (!info) throw new Error(`image ${manifestDigest} vanished while it was installed`);
    return info;
  }

  /** ImageInfo of an index entry; undefined when its content is gone (removed by another process). */
  private async info(entry: RefEntry, refs: Readonly<Refs>): Promise<ImageInfo | undefined> {
    let img: LoadedImage;
    try {
      img = await this.loadImage(entry.manifest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const diffIDs = img.config.rootfs!.diff_ids!;
    const layerDirs: string[] = [];
    for (let i = 0; i < diffIDs.length; i++) {
      if (await this.layers.has(diffIDs[i])) {
        layerDirs.push(this.layers.path(diffIDs[i]));
        continue;
      }
      // Extracted directory lost (cleaned by hand?) but the blob is here: extract it again.
      const blob = img.manifest.layers[i].digest;
      if (!(await this.blobs.has(blob))) return undefined;
      layerDirs.push(await this.layers.ensure(diffIDs[i], this.blobs.path(blob)));
    }
    return {
      id: entry.id,
      references: Object.keys(refs)
        .filter((k) => refs[k].id === entry.id)
        .sort(),
      digest: entry.repoDigest,
      size: img.manifest.layers.reduce((n, l) => n + l.size, 0),
      config: runConfig(img.config),
      layerDirs,
    };
  }

  private lookup(refs: Readonly<Refs>, ref: string): RefEntry | undefined {
    const r = parseReference(ref);
    const exact = refs[r.normalized];
    if (exact || !r.digest) return exact;
    // "name@sha256:..." also finds the image pulled by tag whose registry digest that is.
    for (const [k, e] of Object.entries(refs)) {
      if ((e.repoDigest === r.digest || e.manifest === r.digest) && parseReference(k).name === r.name) return e;
    }
    return undefined;
  }

  async get(ref: string): Promise<ImageInfo | undefined> {
    const refs = await this.refs.read();
    const entry = this.lookup(refs, ref);
    return entry ? this.info(entry, refs) : undefined;
  }

  async ensure(ref: string, policy: PullPolicy, auth?: PullAuth[]): Promise<ImageInfo> {
    const r = parseReference(ref);
    if (policy !== 'Always') {
      const have = await this.get(r.normalized);
      if (have) return have;
      if (policy === 'Never') {
        throw new ImageError('ErrImageNeverPull', `container image "${ref}" is not present on this node and the pull policy is "Never": import it (gifee images import FILE) or set imagePullPolicy to IfNotPresent`);
      }
    }
    // One pull at a time per reference: concurrent pods with the same image share it.
    let p = this.pulls.get(r.normalized);
    if (!p) {
      p = pullImage(this, r, auth ?? []).finally(() => this.pulls.delete(r.normalized));
      this.pulls.set(r.normalized, p);
    }
    return p;
  }

  importFile(path: string, onProgress?: ByteProgress): Promise<ImageInfo[]> {
    return importArchive(this, path, onProgress);
  }

  /**
   * Pull a reference now, whatever is present (`gifee images pull`); onProgress hears the layer bytes
   * downloaded of those missing. Not shared with the agent's pulls: those go through ensure().
   */
  pull(ref: string, onProgress?: ByteProgress): Promise<ImageInfo> {
    return pullImage(this, parseReference(ref), [], onProgress);
  }

  scanImportDir(): Promise<ImageInfo[]> {
    return scanImportDir(this);
  }

  async list(): Promise<ImageInfo[]> {
    const refs = await this.refs.read();
    const byId = new Map<string, RefEntry>();
    for (const e of Object.values(refs)) if (!byId.has(e.id)) byId.set(e.id, e);
    const out: ImageInfo[] = [];
    for (const e of byId.values()) {
      const info = await this.info(e, refs);
      if (info) out.push(info);
    }
    return out.sort((a, b) => (a.references[0] ?? '').localeCompare(b.references[0] ?? ''));
  }

  async remove(ref: string): Promise<void> {
    const key = parseReference(ref).normalized;
    await this.refuseIfMounted(ref);
    let removed: RefEntry | undefined;
    const remaining = await this.refs.update((r) => {
      if (r[key]) {
        removed = r[key];
        delete r[key];
        return;
      }
      // "name@sha256:..." removes every tag of that name pointing at the image.
      const e = this.lookup(r, ref);
      if (!e) return;
      removed = e;
      const name = parseReference(ref).name;
      for (const k of Object.keys(r)) if (r[k].id === e.id && parseReference(k).name === name) delete r[k];
    });
    if (!removed) throw new Error(`image "${ref}" is not present on this node (see gifee images ls)`);
    const gone = removed;
    const stillUsed = Object.values(remaining);
    if (stillUsed.some((e) => e.id === gone.id)) return;
    await this.collect(gone, stillUsed);
  }

  /**
   * Like `docker rmi`, refuse to remove the last name of an image whose layers a container has
   * mounted (an overlayfs lowerdir in /proc/mounts): deleting them would break the running container.
   */
  private async refuseIfMounted(ref: string): Promise<void> {
    const refs = await this.refs.read();
    const entry = this.lookup(refs, ref);
    if (!entry || Object.values(refs).filter((e) => e.id === entry.id).length > 1) return;
    const dir = await this.mountedLayer(entry, Object.values(refs));
    if (dir) throw new Error(`image "${ref}" is in use: a container has its layer ${dir} mounted; delete the pods using it first`);
  }

  /**
   * A layer directory of the image, needed by no other image in `all`, that some overlayfs mount
   * uses, if any. Layers other images share (a common base) stay when this image goes, so a container
   * of another image mounting them is no reason to keep this one.
   */
  private async mountedLayer(entry: RefEntry, all: RefEntry[]): Promise<string | undefined> {
    const img = await this.loadImage(entry.manifest).catch(logFailureOnce(this.log, 'reading an image manifest', { manifest: entry.manifest }));
    if (!img) return undefined;
    const shared = new Set<string>();
    for (const other of all) {
      if (other.id === entry.id) continue;
      const o = await this.loadImage(other.manifest).catch(logFailureOnce(this.log, 'reading an image manifest', { manifest: other.manifest }));
      for (const d of o?.config.rootfs?.diff_ids ?? []) shared.add(d);
    }
    const mounts = await readFile('/proc/mounts', 'utf8').catch(() => '');
    for (const d of img.config.rootfs!.diff_ids!) {
      if (shared.has(d)) continue;
      const dir = this.layers.path(d);
      if (mounts.includes(`${dir}:`) || mounts.includes(`${dir},`) || mounts.includes(`${dir} `)) return dir;
    }
    return undefined;
  }

  /** The image IDs these references name (those not present are left out). */
  async idsOf(references: Iterable<string>): Promise<Set<string>> {
    const refs = await this.refs.read();
    const out = new Set<string>();
    for (const ref of references) {
      try {
        const e = this.lookup(refs, ref);
        if (e) out.add(e.id);
      } catch {
        // An unparseable reference names no image here.
      }
    }
    return out;
  }

  /**
   * Remove an image by ID with every name it has (image garbage collection). Refused while a container
   * has one of its layers mounted; resolves false when the image was already gone.
   */
  async removeImage(id: string): Promise<boolean> {
    const refs = await this.refs.read();
    const entry = Object.values(refs).find((e) => e.id === id);
    if (!entry) return false;
    const dir = await this.mountedLayer(entry, Object.values(refs));
    if (dir) throw new Error(`image ${id} is in use: a container has its layer ${dir} mounted`);
    let removed: RefEntry | undefined;
    const remaining = await this.refs.update((r) => {
      for (const k of Object.keys(r)) {
        if (r[k].id !== id) continue;
        removed = r[k];
        delete r[k];
      }
    });
    if (!removed) return false;
    await this.collect(removed, Object.values(remaining));
    return true;
  }

  /** Delete the blobs and layers of an image that no remaining reference needs. */
  private async collect(gone: RefEntry, remaining: RefEntry[]): Promise<void> {
    const keepBlobs = new Set<string>();
    const keepLayers = new Set<string>();
    for (const e of remaining) {
      keepBlobs.add(e.manifest);
      if (e.repoDigest) keepBlobs.add(e.repoDigest);
      const img = await this.loadImage(e.manifest).catch(logFailureOnce(this.log, 'reading an image manifest (its layers are not kept)', { manifest: e.manifest }));
      if (!img) continue;
      keepBlobs.add(img.manifest.config.digest);
      for (const l of img.manifest.layers) keepBlobs.add(l.digest);
      for (const d of img.config.rootfs!.diff_ids!) keepLayers.add(d);
    }
    const img = await this.loadImage(gone.manifest).catch(logFailureOnce(this.log, 'reading an image manifest', { manifest: gone.manifest }));
    const blobs = [gone.manifest, gone.repoDigest, img?.manifest.config.digest, ...(img?.manifest.layers.map((l) => l.digest) ?? [])];
    for (const d of img?.config.rootfs?.diff_ids ?? []) if (!keepLayers.has(d)) await this.layers.remove(d);
    for (const b of blobs) if (b && !keepBlobs.has(b)) await this.blobs.remove(b);
    this.loaded.delete(gone.manifest);
    this.log.info('image removed', { id: gone.id });
  }

  /** Remove leftovers of crashed imports and extractions. */
  async cleanTemporaries(): Promise<void> {
    await this.layers.cleanTemporaries();
    const tmp = join(this.root, 'tmp');
    for (const n of await readdir(tmp).catch(() => [] as string[])) {
      const st = await stat(join(tmp, n)).catch(ifMissing);
      // An hour old: never a live import of another process.
      if (st && Date.now() - st.mtimeMs > 3_600_000) await rm(join(tmp, n), { recursive: true, force: true });
    }
  }
}

export function createImageStore(opts: ImageStoreOptions): FsImageStore {
  return new FsImageStore(opts);
}
