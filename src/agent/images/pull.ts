// Pull an image from its registry into the store: manifest (this platform's, from an index), config,
// then the missing layers (three at a time), each verified against its digest as it streams to
// disk; then install() extracts the layers and names the image.

import type { ImageReference } from './reference.js';
import type { FsImageStore } from './store.js';
import { type ByteProgress, ImageError, type ImageInfo, type PullAuth } from './types.js';
import { RegistryClient, RegistryError } from './registry/client.js';
import { choosePlatform, hostArchitecture, isIndex, ManifestError, parseConfig, parseManifest, platformsOf, type ImageIndex } from './manifest.js';
import { DigestMismatchError } from './blobs.js';
import { HttpError } from './registry/http.js';

export async function pullImage(store: FsImageStore, ref: ImageReference, auths: PullAuth[], onProgress?: ByteProgress): Promise<ImageInfo> {
  // Like the kubelet: try each pull secret's credentials in turn, anonymous when there are none.
  const attempts: Array<PullAuth | undefined> = auths.length ? auths : [undefined];
  let last: unknown;
  for (const auth of attempts) {
    try {
      return await pullWith(store, ref, auth, onProgress);
    } catch (e) {
      last = e;
      if (!(e instanceof RegistryError && (e.status === 401 || e.status === 403))) break;
    }
  }
  const msg = last instanceof Error ? last.message : String(last);
  const known = last instanceof RegistryError || last instanceof HttpError || last instanceof ManifestError || last instanceof DigestMismatchError;
  store.log.warn('image pull failed', { image: ref.normalized, err: msg });
  if (last instanceof ImageError) throw last;
  throw new ImageError('ErrImagePull', `failed to pull "${ref.normalized}": ${msg}${known ? '' : ' (node-local error)'}`);
}

async function pullWith(store: FsImageStore, ref: ImageReference, auth: PullAuth | undefined, onProgress?: ByteProgress): Promise<ImageInfo> {
  const log = store.log.child({ image: ref.normalized });
  const started = Date.now();
  const client = new RegistryClient(ref.domain, ref.path, auth, store.insecureRegistries);
  const top = await client.manifest(ref.digest ?? ref.tag!);
  if (ref.digest && top.digest !== ref.digest) throw new DigestMismatchError(ref.digest, top.digest, `manifest of ${ref.normalized}`);
  await store.blobs.ingestBuffer(top.bytes, top.digest, 'manifest');
  let manifestDigest = top.digest;
  let doc = JSON.parse(top.bytes.toString('utf8'));
  if (isIndex(doc, top.mediaType)) {
    const chosen = choosePlatform(doc as ImageIndex);
    if (!chosen) throw new ManifestError(`image has no linux/${hostArchitecture()} variant (it has ${platformsOf(doc).join(', ') || 'none'})`);
    const m = await client.manifest(chosen.digest);
    if (m.digest !== chosen.digest) throw new DigestMismatchError(chosen.digest, m.digest, `platform manifest of ${ref.normalized}`);
    await store.blobs.ingestBuffer(m.bytes, m.digest, 'manifest');
    manifestDigest = m.digest;
    doc = JSON.parse(m.bytes.toString('utf8'));
  }
  const manifest = parseManifest(doc, `manifest ${manifestDigest}`);
  if (!(await store.blobs.has(manifest.config.digest))) {
    await store.blobs.ingest(await client.blob(manifest.config.digest), manifest.config.digest, 'image config');
  }
  parseConfig(await store.blobs.readJson(manifest.config.digest), manifest, `manifest ${manifestDigest}`);

  const missing = [];
  for (const l of manifest.layers) if (!(await store.blobs.has(l.digest))) missing.push(l);
  const total = missing.reduce((n, l) => n + l.size, 0);
  let done = 0;
  onProgress?.(0, total);
  log.info('pulling image', { layers: manifest.layers.length, missingLayers: missing.length, bytes: total });
  const progress = setInterval(() => log.info('pull progress', { bytes: done, of: total }), 5000);
  try {
    const queue = [...missing];
    const worker = async () => {
      for (let l = queue.shift(); l; l = queue.shift()) {
        const t0 = Date.now();
        await store.blobs.ingest(await client.blob(l.digest), l.digest, `layer ${l.digest}`, (n) => {
          done += n;
          onProgress?.(done, total);
        });
        log.debug('layer downloaded', { digest: l.digest, bytes: l.size, ms: Date.now() - t0 });
      }
    };
    await Promise.all([worker(), worker(), worker()]);
  } finally {
    clearInterval(progress);
  }
  const info = await store.install(manifestDigest, [ref.normalized], top.digest);
  log.info('image pulled', { id: info.id, digest: top.digest, bytes: done, ms: Date.now() - started });
  return info;
}
