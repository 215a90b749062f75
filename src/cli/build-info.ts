// What `gifee version` says about this build: gifee's version, the commit it was built from and the
// Kubernetes API version it serves. gifee runs from its checkout (bin/gifee.js beside dist/), so the
// commit is read from the checkout's git metadata (HEAD, loose refs, packed-refs; a worktree's .git
// file and commondir), without running git: every read is a small bounded file, and anything
// missing or odd gives "unknown" rather than an error.

import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GIFEE_VERSION, versionInfo } from '../api/version.js';

export interface BuildInfo {
  version: string;
  /** Full commit hash, or undefined when not run from a git checkout. */
  commit?: string;
  /** The branch HEAD is on, when it is on one. */
  branch?: string;
  kubernetes: string;
  node: string;
  platform: string;
}

const MAX_META_BYTES = 64 * 1024;
/** packed-refs of a big repository can be large; beyond this it is not searched. */
const MAX_PACKED_REFS_BYTES = 8 * 1024 * 1024;
const HASH = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

function readSmall(path: string, max = MAX_META_BYTES): string | undefined {
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size > max) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The git directory of a checkout: .git itself, or where a worktree's .git file points. */
function gitDirOf(checkout: string): string | undefined {
  const dotGit = join(checkout, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
  } catch {
    return undefined;
  }
  const m = /^gitdir: (.+)$/m.exec(readSmall(dotGit) ?? '');
  if (!m) return undefined;
  return isAbsolute(m[1].trim()) ? m[1].trim() : resolve(checkout, m[1].trim());
}

/** A ref's commit: the loose ref file in the git dir or its common dir, else packed-refs. */
function resolveRef(gitDir: string, ref: string): string | undefined {
  // Only refs/... names: a hostile HEAD must not make us read files elsewhere.
  if (!/^refs\/[A-Za-z0-9._/-]+$/.test(ref) || ref.includes('..')) return undefined;
  const common = readSmall(join(gitDir, 'commondir'))?.trim();
  const dirs = [gitDir, ...(common ? [isAbsolute(common) ? common : resolve(gitDir, common)] : [])];
  for (const d of dirs) {
    const loose = readSmall(join(d, ref))?.trim();
    if (loose && HASH.test(loose)) return loose;
  }
  for (const d of dirs) {
    for (const line of (readSmall(join(d, 'packed-refs'), MAX_PACKED_REFS_BYTES) ?? '').split('\n')) {
      const [hash, name] = line.split(' ');
      if (name === ref && HASH.test(hash)) return hash;
    }
  }
  return undefined;
}

/** The commit and branch of the checkout at `checkout`, or {} when it is not one (or unreadable). */
export function gitCommitOf(checkout: string): { commit?: string; branch?: string } {
  const gitDir = gitDirOf(checkout);
  if (!gitDir) return {};
  const head = readSmall(join(gitDir, 'HEAD'))?.trim();
  if (!head) return {};
  if (HASH.test(head)) return { commit: head };
  const m = /^ref: (\S+)$/.exec(head);
  if (!m) return {};
  const commit = resolveRef(gitDir, m[1]);
  return commit ? { commit, branch: m[1].replace(/^refs\/heads\//, '') } : {};
}

/** The checkout gifee runs from: three levels up from dist/src/cli (or two from src/cli under tsx). */
function checkoutRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const up2 = resolve(here, '..', '..');
  return up2.endsWith('/dist') || up2.endsWith('\\dist') ? dirname(up2) : up2;
}

export function buildInfo(checkout = checkoutRoot()): BuildInfo {
  return {
    version: GIFEE_VERSION,
    ...gitCommitOf(checkout),
    kubernetes: versionInfo().gitVersion,
    node: process.versions.node,
    platform: versionInfo().platform,
  };
}

/** The human lines of `gifee version`. */
export function formatBuildInfo(b: BuildInfo): string {
  const commit = b.commit ? `${b.commit.slice(0, 12)}${b.branch ? ` (${b.branch})` : ''}` : 'unknown (not run from a git checkout)';
  return [`gifee ${b.version}`, `  commit:          ${commit}`, `  Kubernetes API:  ${b.kubernetes}`, `  Node.js:         v${b.node}`, `  platform:        ${b.platform}`].join('\n');
}
