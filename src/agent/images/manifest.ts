// OCI and Docker v2 manifests, indexes (manifest lists) and image configs: media types, parsing with
// errors that name what is wrong, and choosing this machine's platform from an index.

import { arch } from 'node:os';
import { isDigest } from './digest.js';
import type { ImageRunConfig } from './types.js';

export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

/** What a registry is asked for, best first. */
export const manifestAccept = [MediaType.ociIndex, MediaType.dockerList, MediaType.ociManifest, MediaType.dockerManifest].join(', ');

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string; variant?: string };
}

export interface ImageManifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
}

export interface ImageConfigFile {
  architecture?: string;
  os?: string;
  config?: { User?: string; Env?: string[]; Entrypoint?: string[] | null; Cmd?: string[] | null; WorkingDir?: string; ExposedPorts?: Record<string, unknown> };
  rootfs?: { type?: string; diff_ids?: string[] };
}

export class ManifestError extends Error {}

/** A parsed JSON document not yet checked: any of its fields may be missing or of any type. */
type Unchecked = { readonly [field: string]: unknown } | null | undefined;

export function isIndex(json: unknown, mediaType?: string): boolean {
  const doc = json as Unchecked;
  const mt = doc?.mediaType ?? mediaType;
  return mt === MediaType.ociIndex || mt === MediaType.dockerList || (mt === undefined && Array.isArray(doc?.manifests));
}

function checkDescriptor(json: unknown, where: string): Descriptor {
  const d = json as Unchecked;
  if (!d || !isDigest(d.digest)) throw new ManifestError(`${where} has no valid sha256 digest`);
  if (typeof d.size !== 'number' || d.size < 0) throw new ManifestError(`${where} has no valid size`);
  return json as Descriptor;
}

export function parseManifest(json: unknown, what: string): ImageManifest {
  const doc = json as Unchecked;
  if (doc?.schemaVersion === 1) throw new ManifestError(`${what} is a Docker schema 1 manifest, which is deprecated and not supported; push the image again with a current tool`);
  if (doc?.schemaVersion !== 2) throw new ManifestError(`${what} is not an image manifest (schemaVersion ${doc?.schemaVersion})`);
  checkDescriptor(doc.config, `${what} config`);
  if (!Array.isArray(doc.layers)) throw new ManifestError(`${what} has no layers list`);
  for (const [i, l] of doc.layers.entries()) checkDescriptor(l, `${what} layer ${i}`);
  for (const l of doc.layers as Descriptor[]) {
    if (l.mediaType && /zstd/.test(l.mediaType)) throw new ManifestError(`${what} has a zstd-compressed layer (${l.mediaType}), which is not supported; use gzip layers`);
    if (l.mediaType && /foreign|nondistributable/.test(l.mediaType)) throw new ManifestError(`${what} has a foreign (Windows) layer, which a Linux node cannot run`);
  }
  return json as ImageManifest;
}

export function parseConfig(json: unknown, manifest: ImageManifest, what: string): ImageConfigFile {
  const doc = json as { rootfs?: Unchecked } | null | undefined;
  const ids = doc?.rootfs?.diff_ids;
  if (!Array.isArray(ids) || !ids.every(isDigest)) throw new ManifestError(`${what} config has no valid rootfs.diff_ids`);
  if (ids.length !== manifest.layers.length) throw new ManifestError(`${what} config lists ${ids.length} layer diff IDs but the manifest ${manifest.layers.length} layers`);
  return json as ImageConfigFile;
}

export function runConfig(cfg: ImageConfigFile): ImageRunConfig {
  const c = cfg.config ?? {};
  const out: ImageRunConfig = {};
  if (c.User) out.user = c.User;
  if (c.Env) out.env = c.Env;
  if (c.Entrypoint) out.entrypoint = c.Entrypoint;
  if (c.Cmd) out.cmd = c.Cmd;
  if (c.WorkingDir) out.workingDir = c.WorkingDir;
  if (c.ExposedPorts) out.exposedPorts = c.ExposedPorts;
  return out;
}

/** GOARCH of this machine (what image indexes use). */
export function hostArchitecture(): string {
  const a = arch();
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[a] ?? a;
}

/** The manifest of an index for linux/<arch>; undefined when there is none. */
export function choosePlatform(index: ImageIndex, architecture = hostArchitecture(), os = 'linux'): Descriptor | undefined {
  const candidates = (index.manifests ?? []).filter((m) => {
    if (m.mediaType && m.mediaType !== MediaType.ociManifest && m.mediaType !== MediaType.dockerManifest) return false;
    // Attestation manifests (buildx) carry platform unknown/unknown.
    return m.platform?.os === os && m.platform?.architecture === architecture;
  });
  if (architecture === 'arm64') {
    // Prefer v8 (or no variant) over others.
    candidates.sort((a, b) => Number(b.platform?.variant === 'v8' || !b.platform?.variant) - Number(a.platform?.variant === 'v8' || !a.platform?.variant));
  }
  return candidates[0];
}

export function platformsOf(index: ImageIndex): string[] {
  return (index.manifests ?? []).map((m) => `${m.platform?.os ?? '?'}/${m.platform?.architecture ?? '?'}${m.platform?.variant ? `/${m.platform.variant}` : ''}`);
}
