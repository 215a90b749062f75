// Import images from files: an OCI image layout (directory or tar of one: oci-layout, index.json,
// blobs/) or a docker-archive (`docker save`: manifest.json with RepoTags). Tars may be gzipped.
// Every blob is verified against its digest on the way in; images are usable when this returns.

import { readFile, rm, stat } from 'node:fs/promises';
import { createReadStream, existsSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { join, resolve } from 'node:path';
import { extract as untar } from 'tar';
import { digestHex, isDigest, sha256Digest } from './digest.js';
import { isGzipFile } from './blobs.js';
import { choosePlatform, isIndex, MediaType, platformsOf, hostArchitecture, type Descriptor, type ImageIndex, type ImageManifest } from './manifest.js';
import { parseReference } from './reference.js';
import type { ByteProgress, ImageInfo } from './types.js';
import type { FsImageStore } from './store.js';

export class ImportError extends Error {}

/** A layout being imported: its root and whether its files are our scratch copies (moved, not copied). */
interface Source {
  file: string;
  dir: string;
  scratch: boolean;
}

export async function importArchive(store: FsImageStore, path: string, onProgress?: ByteProgress): Promise<ImageInfo[]> {
  const file = resolve(path);
  const st = await stat(file).catch(() => {
    throw new ImportError(`cannot import "${path}": no such file or directory`);
  });
  if (st.isDirectory()) return importLayout(store, { file, dir: file, scratch: false });
  const dir = await store.scratchDir('import');
  try {
    try {
      if (onProgress) await untarWithProgress(file, st.size, dir, onProgress);
      else await untar({ file, cwd: dir, strict: true, preserveOwner: false });
    } catch (e) {
      throw new ImportError(`cannot import "${path}": not a tar archive (${(e as Error).message})`);
    }
    return await importLayout(store, { file, dir, scratch: true });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The same extraction as untar({file}), fed from a read stream whose bytes are reported as they go. */
async function untarWithProgress(file: string, size: number, cwd: string, onProgress: ByteProgress): Promise<void> {
  let done = 0;
  onProgress(0, size);
  const source = createReadStream(file).on('data', (c) => {
    done += c.length;
    onProgress(done, size);
  });
  await pipeline(source, untar({ cwd, strict: true, preserveOwner: false }));
}

async function importLayout(store: FsImageStore, src: Source): Promise<ImageInfo[]> {
  const started = Date.now();
  let images: ImageInfo[];
  if (existsSync(join(src.dir, 'manifest.json'))) images = await importDockerArchive(store, src);
  else if (existsSync(join(src.dir, 'index.json'))) images = await importOciLayout(store, src);
  else throw new ImportError(`cannot import "${src.file}": neither an OCI image layout (index.json) nor a docker-archive (manifest.json)`);
  store.log.info('images imported', { file: src.file, images: images.map((i) => i.references).flat(), ms: Date.now() - started });
  return images;
}

async function readJsonFile(src: Source, rel: string): Promise<unknown> {
  const text = await readFile(join(src.dir, rel), 'utf8').catch(() => {
    throw new ImportError(`cannot import "${src.file}": it has no ${rel}`);
  });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ImportError(`cannot import "${src.file}": ${rel} is not valid JSON (${(e as Error).message})`);
  }
}

/** Bring the layout blob with this digest into the store, verified. */
async function ingestBlob(store: FsImageStore, src: Source, digest: string): Promise<void> {
  if (await store.blobs.has(digest)) return;
  const p = join(src.dir, 'blobs', 'sha256', digestHex(digest));
  if (!existsSync(p)) throw new ImportError(`cannot import "${src.file}": blob ${digest} is missing from blobs/sha256/`);
  await store.blobs.ingestFile(p, digest, src.scratch, `blob ${digest} of ${src.file}`);
}

/** The name an index entry gives its image, normalized; undefined when it has none usable. */
function nameOf(d: Descriptor): string | undefined {
  const a = d.annotations ?? {};
  const full = a['io.containerd.image.name'] ?? a['org.opencontainers.image.ref.name'];
  // A bare tag ("1.0", "latest") in ref.name names no repository.
  if (!full || (!full.includes('/') && !full.includes(':') && !full.includes('@'))) return undefined;
  return parseReference(full).normalized;
}

async function importOciLayout(store: FsImageStore, src: Source): Promise<ImageInfo[]> {
  const index = (await readJsonFile(src, 'index.json')) as ImageIndex;
  if (!Array.isArray(index.manifests) || index.manifests.length === 0) throw new ImportError(`cannot import "${src.file}": index.json lists no images`);
  const out: ImageInfo[] = [];
  for (const desc of index.manifests) {
    if (!isDigest(desc.digest)) throw new ImportError(`cannot import "${src.file}": index.json has an entry without a sha256 digest`);
    const name = nameOf(desc);
    if (!name) {
      throw new ImportError(`cannot import "${src.file}": image ${desc.digest} has no name (annotation io.containerd.image.name or org.opencontainers.image.ref.name with a full reference such as registry.local/app:1); name it when exporting, e.g. skopeo copy SRC oci-archive:FILE:registry.local/app:1`);
    }
    await ingestBlob(store, src, desc.digest);
    let manifestDigest = desc.digest;
    const doc = await store.blobs.readJson(desc.digest);
    if (isIndex(doc, desc.mediaType)) {
      const index = doc as ImageIndex;
      const chosen = choosePlatform(index);
      if (!chosen) throw new ImportError(`cannot import "${src.file}": image ${name} has no linux/${hostArchitecture()} variant (it has ${platformsOf(index).join(', ') || 'none'})`);
      await ingestBlob(store, src, chosen.digest);
      manifestDigest = chosen.digest;
    }
    const manifest = await store.blobs.readJson<ImageManifest>(manifestDigest);
    await ingestBlob(store, src, manifest.config?.digest);
    for (const l of manifest.layers ?? []) await ingestBlob(store, src, l.digest);
    out.push(await store.install(manifestDigest, [name], desc.digest));
  }
  return out;
}

interface DockerArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function importDockerArchive(store: FsImageStore, src: Source): Promise<ImageInfo[]> {
  const entries = (await readJsonFile(src, 'manifest.json')) as DockerArchiveEntry[];
  if (!Array.isArray(entries) || entries.length === 0) throw new ImportError(`cannot import "${src.file}": manifest.json lists no images`);
  const out: ImageInfo[] = [];
  for (const e of entries) {
    const tags = (e.RepoTags ?? []).map((t) => parseReference(t).normalized);
    if (tags.length === 0) throw new ImportError(`cannot import "${src.file}": image ${e.Config} has no RepoTags; save it by name (docker save NAME:TAG)`);
    const inside = (rel: string) => {
      const p = resolve(src.dir, rel);
      if (!p.startsWith(src.dir + '/')) throw new ImportError(`cannot import "${src.file}": path "${rel}" in manifest.json points outside the archive`);
      return p;
    };
    const config = await store.blobs.ingestFile(inside(e.Config), undefined, src.scratch, `config of ${src.file}`);
    const layers: Descriptor[] = [];
    for (const rel of e.Layers ?? []) {
      const p = inside(rel);
      const gz = await isGzipFile(p).catch(() => {
        throw new ImportError(`cannot import "${src.file}": layer ${rel} is missing`);
      });
      const blob = await store.blobs.ingestFile(p, undefined, src.scratch, `layer ${rel} of ${src.file}`);
      layers.push({ mediaType: gz ? MediaType.ociLayerGzip : MediaType.ociLayer, digest: blob.digest, size: blob.size });
    }
    // A docker-archive has no manifest: write the OCI manifest a registry would have served.
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.size },
        layers,
      }),
    );
    const m = await store.blobs.ingestBuffer(manifest, sha256Digest(manifest));
    out.push(await store.install(m.digest, tags));
  }
  return out;
}
