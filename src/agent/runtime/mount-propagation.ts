// Mount propagation for volumeMounts (HostToContainer, Bidirectional), as the kubelet checks it: the
// source must lie on a shared mount for Bidirectional and on a shared or slave one for
// HostToContainer, or propagation silently does nothing. The agent makes its own CSI directory a
// shared mount at start (the kubelet does so for /var/lib/kubelet), so a CSI driver pod's
// Bidirectional mount of it hands the driver's mounts back to the host.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface MountEntry {
  mountPoint: string;
  shared: boolean;
  slave: boolean;
}

/** Unescapes mountinfo's octal escapes (\040 for a space). */
const unescapeOctal = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f.length < 7 || dash < 6) continue;
    const optional = f.slice(6, dash);
    out.push({ mountPoint: unescapeOctal(f[4]), shared: optional.some((o) => o.startsWith('shared:')), slave: optional.some((o) => o.startsWith('master:')) });
  }
  return out;
}

/** The mount a path lies on: the last-mounted entry whose mount point is its longest prefix. */
export function mountOf(entries: MountEntry[], path: string): MountEntry | undefined {
  const p = resolve(path);
  let best: MountEntry | undefined;
  for (const e of entries) {
    const mp = e.mountPoint;
    if (p === mp || p.startsWith(mp === '/' ? '/' : `${mp}/`)) {
      if (!best || mp.length >= best.mountPoint.length) best = e;
    }
  }
  return best;
}

/** Why `source` cannot be mounted with this propagation (the kubelet's message), or undefined. */
export async function propagationRefusal(source: string, propagation: 'rslave' | 'rshared'): Promise<string | undefined> {
  const m = mountOf(parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8')), source);
  if (!m) return undefined;
  if (propagation === 'rshared' && !m.shared) return `path "${source}" is mounted on "${m.mountPoint}" but it is not a shared mount (Bidirectional propagation needs one: mount --make-rshared ${m.mountPoint})`;
  if (propagation === 'rslave' && !m.shared && !m.slave) return `path "${source}" is mounted on "${m.mountPoint}" but it is not a shared or slave mount (HostToContainer propagation needs one: mount --make-rshared ${m.mountPoint})`;
  return undefined;
}

/** Makes dir a shared mount (a bind mount onto itself first when it is not a mount point). Idempotent. Says whether this call made that bind mount. */
export async function ensureSharedMount(dir: string): Promise<{ bound: boolean }> {
  const p = resolve(dir);
  const entries = parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
  const m = mountOf(entries, p);
  if (m?.shared) return { bound: false };
  const bound = m?.mountPoint !== p;
  if (bound) await run('mount', ['--bind', p, p]);
  await run('mount', ['--make-rshared', p]);
  return { bound };
}
