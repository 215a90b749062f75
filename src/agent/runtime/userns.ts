// A pod's user namespace (hostUsers: false) for runc 1.1, which has no idmapped mounts:
//  - the pod gets a persistent user namespace bound to a file (as its uts and ipc namespaces are),
//    mapping ids 0..65535 to its host range (security/userns-ranges.ts);
//  - its network, uts and ipc namespaces are created inside that user namespace, so the containers'
//    root owns them: runc can then mount sysfs and mqueue, which it cannot in namespaces the host's
//    user namespace owns (EPERM, tried with runc 1.1.5);
//  - files the containers write to (the rootfs's overlay and the emptyDir, secret, configMap,
//    downwardAPI and projected volumes) are shifted: chowned from id n to hostId + n.

import { spawn } from 'node:child_process';
import { lstat, lchown, chmod, readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { UserNsRange } from '../security/userns-ranges.js';

const run = promisify(execFile);

async function isMounted(path: string): Promise<boolean> {
  return (await readFile('/proc/self/mountinfo', 'utf8')).includes(` ${path} `);
}

/** Starts cmd, waits for its "ready" line, runs then() with its pid, and kills it. */
async function withHelper(cmd: string, args: string[], then: (pid: number) => Promise<void>) {
  const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      p.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready\n')) resolve();
      });
      p.on('error', reject);
      p.on('exit', (code) => reject(new Error(`${cmd} exited (${code}): ${err.trim()}`)));
    });
    await then(p.pid!);
  } finally {
    p.kill('SIGKILL');
  }
}

async function bindNs(pid: number, type: string, target: string) {
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, '', { flag: 'a' });
  await run('mount', ['--bind', `/proc/${pid}/ns/${type}`, target]);
}

/** The pod's user namespace at path, mapping 0..size-1 to range.hostId..; kept as it is if already there. */
export async function createPodUserNs(path: string, range: UserNsRange) {
  if (await isMounted(path)) return;
  await withHelper('unshare', ['--user', '--', '/bin/sh', '-c', 'echo ready; exec sleep 60'], async (pid) => {
    const map = `0 ${range.hostId} ${range.size}\n`;
    await writeFile(`/proc/${pid}/uid_map`, map);
    await writeFile(`/proc/${pid}/gid_map`, map);
    await bindNs(pid, 'user', path);
  });
}

/** Namespaces (net, uts, ipc) owned by the pod's user namespace, bound to files; the uts one gets hostname. */
export async function createNamespacesIn(userNs: string, targets: { net?: string; uts?: string; ipc?: string }, hostname?: string) {
  const want = (Object.entries(targets) as [string, string | undefined][]).filter(([, p]) => p) as [string, string][];
  const todo: [string, string][] = [];
  for (const [t, p] of want) if (!(await isMounted(p))) todo.push([t, p]);
  if (!todo.length) return;
  const flags = todo.map(([t]) => `--${t}`);
  const script = todo.some(([t]) => t === 'uts') && hostname ? `hostname ${JSON.stringify(hostname.slice(0, 63)).replace(/"/g, "'")}; echo ready; exec sleep 60` : 'echo ready; exec sleep 60';
  await withHelper('nsenter', [`--user=${userNs}`, '--', 'unshare', ...flags, '--', '/bin/sh', '-c', script], async (pid) => {
    for (const [t, p] of todo) await bindNs(pid, t, p);
  });
}

/**
 * Shifts a tree's ownership into a range: uid/gid n (below the range's size) become hostId + n; ids
 * already in the range stay. Set-id bits that chown clears are put back. Does not cross into other
 * mounts (st_dev), so a volume mounted inside is left to its own shift. Returns how many entries changed.
 */
export async function shiftOwnership(root: string, range: UserNsRange): Promise<number> {
  const top = await lstat(root);
  let changed = 0;
  const shift = (id: number) => (id < range.size ? range.hostId + id : id);
  const visit = async (path: string) => {
    const st = await lstat(path);
    if (st.dev !== top.dev) return;
    if (st.uid < range.size || st.gid < range.size) {
      await lchown(path, shift(st.uid), shift(st.gid));
      if (!st.isSymbolicLink() && st.mode & 0o6000) await chmod(path, st.mode & 0o7777);
      changed++;
    }
    if (st.isDirectory()) for (const e of await readdir(path)) await visit(join(path, e));
  };
  await visit(root);
  return changed;
}

/**
 * runc bind-mounts the rootfs and the volumes from inside the pod's user namespace, where the host's
 * root is nobody: every directory on the way must be searchable by others (o+x; not readable, so not
 * listable). Adds o+x to path's ancestors that lack it (the agent's data directory is 0700 otherwise).
 */
export async function makeTraversable(path: string) {
  for (let d = dirname(path); d !== dirname(d); d = dirname(d)) {
    const st = await lstat(d);
    if (st.isDirectory() && !(st.mode & 0o001)) await chmod(d, (st.mode & 0o7777) | 0o001);
  }
}

/**
 * The flags the kernel locks on the mount holding path (nosuid, nodev, noexec). In a user namespace a bind mount's read-only remount must keep
 * them, and runc 1.1 does not carry them over (EPERM), so the spec repeats them.
 */
export async function lockedMountFlags(path: string): Promise<string[]> {
  const lines = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n');
  let best: { mp: string; opts: string[] } | undefined;
  for (const l of lines) {
    const f = l.split(' ');
    const mp = f[4]?.replace(/\\040/g, ' ');
    if (!mp || !(path === mp || path.startsWith(mp === '/' ? '/' : `${mp}/`))) continue;
    if (!best || mp.length >= best.mp.length) best = { mp, opts: (f[5] ?? '').split(',') };
  }
  return (best?.opts ?? []).filter((o) => o === 'nosuid' || o === 'nodev' || o === 'noexec');
}
