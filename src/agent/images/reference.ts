// Image reference parsing and normalization, with Docker's rules: "busybox" is
// "docker.io/library/busybox:latest"; a first path component with a dot or a port (or "localhost")
// is a registry host ("registry.local/web:1" stays as it is).

import { ImageError } from './types.js';

export interface ImageReference {
  /** Registry host as written ("docker.io", "127.0.0.1:5000"). */
  domain: string;
  /** Repository path inside the registry ("library/busybox"). */
  path: string;
  tag?: string;
  /** "sha256:<hex>" when the reference pins a digest. */
  digest?: string;
  /** domain/path. */
  name: string;
  /** The normalized reference: name[:tag][@digest]. */
  normalized: string;
}

const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^sha256:[a-f0-9]{64}$/;
const domainPattern = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d+)?$/;

function invalid(ref: string, why: string): ImageError {
  return new ImageError('InvalidImageName', `invalid image reference "${ref}": ${why}`);
}

export function parseReference(ref: string): ImageReference {
  const input = ref.trim();
  if (!input) throw invalid(ref, 'it is empty');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!digestPattern.test(digest)) throw invalid(ref, `digest "${digest}" must be sha256: followed by 64 lowercase hex digits`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!tagPattern.test(tag)) throw invalid(ref, `tag "${tag}" may hold only letters, digits, "_", "." and "-" (at most 128)`);
  }
  let domain = 'docker.io';
  let path = rest;
  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first;
    path = rest.slice(slash + 1);
    if (!domainPattern.test(domain)) throw invalid(ref, `registry host "${domain}" is not a host name with an optional port`);
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  if (!path) throw invalid(ref, 'it names no repository');
  for (const c of path.split('/')) {
    if (!pathComponent.test(c)) {
      throw invalid(ref, c && c !== c.toLowerCase() ? `repository name "${path}" must be lowercase` : `repository path component "${c}" may hold only lowercase letters, digits and separators (".", "_", "__", "-")`);
    }
  }
  if (!tag && !digest) tag = 'latest';
  const name = `${domain}/${path}`;
  const normalized = `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  if (normalized.length > 255 + 72) throw invalid(ref, 'it is too long');
  return { domain, path, tag, digest, name, normalized };
}

export function normalizeReference(ref: string): string {
  return parseReference(ref).normalized;
}

/** The short form people type: "docker.io/library/busybox:latest" -> "busybox:latest". */
export function familiarName(normalized: string): string {
  if (normalized.startsWith('docker.io/library/')) return normalized.slice('docker.io/library/'.length);
  if (normalized.startsWith('docker.io/')) return normalized.slice('docker.io/'.length);
  return normalized;
}
