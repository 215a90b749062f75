// Pod volumes made real on the node: a host directory per volume that containers bind-mount.
// emptyDir (disk or tmpfs), hostPath (with its type checks), configMap, secret, downwardAPI,
// projected, and persistentVolumeClaim (or a generic ephemeral volume's claim) bound to hostPath/local
// PersistentVolumes.
// Generated content is written with Kubernetes' atomic writer layout: files live in a timestamped
// directory and `..data` is a symlink swapped in one rename, so a reader never sees half an update.

import { execFile } from 'node:child_process';
import { mkdir, writeFile, symlink, rename, rm, stat, readdir, chmod, lstat, lchown, readlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parseQuantity } from '../../api/quantity.js';
import { fieldValue, resourceValue } from '../pods/container-config.js';
import type { DownwardItem, Pod, Volume } from '../pods/types.js';
import { mountsUnder, unmount } from '../runtime/host.js';
import { removeStaged } from './subpath.js';
import { prepareNetworkVolume, releaseIscsiSessions, type IscsiSource, type NfsSource } from './network-volumes.js';

const run = promisify(execFile);

/** Reads objects the volumes refer to; undefined when not found. */
export interface VolumeSources {
  configMap(namespace: string, name: string): Promise<{ data: Record<string, string>; binaryData: Record<string, string> } | undefined>;
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  persistentVolumeClaim(namespace: string, name: string): Promise<{ metadata?: { ownerReferences?: { uid?: string; controller?: boolean }[] }; spec?: { volumeName?: string }; status?: { phase?: string } } | undefined>;
  persistentVolume(name: string): Promise<{ spec?: { hostPath?: { path: string; type?: string }; local?: { path: string }; nfs?: NfsSource; iscsi?: IscsiSource; mountOptions?: string[] } } | undefined>;
  /** A token for the pod's service account bound to the pod (TokenRequest); throws when it cannot be had. */
  serviceAccountToken(namespace: string, serviceAccount: string, req: { audience?: string; expirationSeconds: number; pod: { name: string; uid: string } }): Promise<{ token: string; expirationTimestamp: string }>;
}

export interface PreparedVolume {
  path: string;
  readOnly?: boolean;
  /** When to write the volume again (ms since the epoch): it holds a service account token that must be refreshed by then. */
  refreshAt?: number;
}

/** The kubelet's token refresh: at 80% of a token's life, and at least daily. */
export function tokenRefreshAt(issuedMs: number, expiresMs: number): number {
  return issuedMs + Math.min(0.8 * (expiresMs - issuedMs), 24 * 3600_000);
}

/** A volume that cannot be set up yet: the pod waits in ContainerCreating with this message. */
export class VolumeError extends Error {}

interface FileEntry {
  path: string;
  content: Buffer;
  mode?: number;
}

export async function prepareVolumes(pod: Pod, podDir: string, src: VolumeSources, ips: { hostIP: string; podIP: string }): Promise<Map<string, PreparedVolume>> {
  const out = new Map<string, PreparedVolume>();
  const fsGroup = pod.spec.securityContext?.fsGroup;
  for (const v of pod.spec.volumes ?? []) {
    const pv = await prepareVolume(pod, podDir, v, src, ips);
    // The kubelet gives fsGroup the volumes it makes itself; hostPath and PV data stay as they are.
    if (fsGroup !== undefined && (v.emptyDir || v.configMap || v.secret || v.downwardAPI || v.projected)) await applyFsGroupWithPolicy(pv.path, fsGroup, !!pv.readOnly, pod.spec.securityContext?.fsGroupChangePolicy);
    out.set(v.name, pv);
  }
  return out;
}

/** Writes a volume again (a projected one whose token is due): same content sources, fresh token, one atomic swap. */
export async function refreshVolume(pod: Pod, podDir: string, name: string, src: VolumeSources, ips: { hostIP: string; podIP: string }): Promise<PreparedVolume | undefined> {
  const v = pod.spec.volumes?.find((x) => x.name === name);
  return v ? prepareVolume(pod, podDir, v, src, ips) : undefined;
}

async function prepareVolume(pod: Pod, podDir: string, v: Volume, src: VolumeSources, ips: { hostIP: string; podIP: string }): Promise<PreparedVolume> {
  const ns = pod.metadata.namespace;
  const dir = (kind: string) => join(podDir, 'volumes', kind, v.name);
  if (v.emptyDir) {
    const d = dir('empty-dir');
    await mkdir(d, { recursive: true, mode: 0o777 });
    await chmod(d, 0o777);
    if (v.emptyDir.medium === 'Memory' && !(await isMountPoint(d))) {
      const size = v.emptyDir.sizeLimit ? `,size=${Math.round(parseQuantity(v.emptyDir.sizeLimit))}` : '';
      await run('mount', ['-t', 'tmpfs', '-o', `mode=1777${size}`, 'tmpfs', d]);
    }
    return { path: d };
  }
  if (v.hostPath) return { path: await hostPath(v.hostPath.path, v.hostPath.type ?? '') };
  if (v.configMap) {
    const cm = await src.configMap(ns, v.configMap.name);
    if (!cm && !v.configMap.optional) throw new VolumeError(`configmap "${v.configMap.name}" not found`);
    const data: Record<string, Buffer> = {};
    for (const [k, s] of Object.entries(cm?.data ?? {})) data[k] = Buffer.from(s);
    for (const [k, s] of Object.entries(cm?.binaryData ?? {})) data[k] = Buffer.from(s, 'base64');
    await writeAtomic(await onTmpfs(dir('configmap'), data), pick(data, v.configMap.items, `configmap "${v.configMap.name}"`, v.configMap.optional), v.configMap.defaultMode ?? 0o644);
    return { path: dir('configmap'), readOnly: true };
  }
  if (v.secret) {
    const s = await src.secret(ns, v.secret.secretName);
    if (!s && !v.secret.optional) throw new VolumeError(`secret "${v.secret.secretName}" not found`);
    const data: Record<string, Buffer> = {};
    for (const [k, b64] of Object.entries(s ?? {})) data[k] = Buffer.from(b64, 'base64');
    await writeAtomic(await onTmpfs(dir('secret'), data), pick(data, v.secret.items, `secret "${v.secret.secretName}"`, v.secret.optional), v.secret.defaultMode ?? 0o644);
    return { path: dir('secret'), readOnly: true };
  }
  if (v.downwardAPI) {
    const files = downward(pod, v.downwardAPI.items ?? [], ips);
    await writeAtomic(await onTmpfs(dir('downward-api'), files), files, v.downwardAPI.defaultMode ?? 0o644);
    return { path: dir('downward-api'), readOnly: true };
  }
  if (v.projected) {
    const files: FileEntry[] = [];
    let refreshAt: number | undefined;
    for (const s of v.projected.sources ?? []) {
      if (s.configMap) {
        const cm = await src.configMap(ns, s.configMap.name);
        if (!cm && !s.configMap.optional) throw new VolumeError(`configmap "${s.configMap.name}" not found`);
        const data: Record<string, Buffer> = {};
        for (const [k, t] of Object.entries(cm?.data ?? {})) data[k] = Buffer.from(t);
        files.push(...pick(data, s.configMap.items, `configmap "${s.configMap.name}"`, s.configMap.optional));
      } else if (s.secret) {
        const sec = await src.secret(ns, s.secret.name);
        if (!sec && !s.secret.optional) throw new VolumeError(`secret "${s.secret.name}" not found`);
        const data: Record<string, Buffer> = {};
        for (const [k, b64] of Object.entries(sec ?? {})) data[k] = Buffer.from(b64, 'base64');
        files.push(...pick(data, s.secret.items, `secret "${s.secret.name}"`, s.secret.optional));
      } else if (s.downwardAPI) {
        files.push(...downward(pod, s.downwardAPI.items ?? [], ips));
      } else if (s.serviceAccountToken) {
        const sat = s.serviceAccountToken;
        const issued = Date.now();
        const t = await src.serviceAccountToken(ns, pod.spec.serviceAccountName || 'default', { audience: sat.audience || undefined, expirationSeconds: sat.expirationSeconds ?? 3600, pod: { name: pod.metadata.name, uid: pod.metadata.uid } }).catch((e: Error) => {
          throw new VolumeError(`failed to fetch token: ${e.message}`);
        });
        const expires = Date.parse(t.expirationTimestamp);
        const at = tokenRefreshAt(issued, Number.isFinite(expires) ? expires : issued + 600_000);
        refreshAt = Math.min(refreshAt ?? at, at);
        files.push({ path: sat.path, content: Buffer.from(t.token) });
      }
    }
    await writeAtomic(await onTmpfs(dir('projected'), files), files, v.projected.defaultMode ?? 0o644);
    return { path: dir('projected'), readOnly: true, ...(refreshAt !== undefined ? { refreshAt } : {}) };
  }
  if (v.persistentVolumeClaim || v.ephemeral) {
    // An ephemeral volume is the claim `<pod>-<volume>`, and only when this pod controls it (Kubernetes' VolumeIsForPod).
    const claim = v.persistentVolumeClaim?.claimName ?? `${pod.metadata.name}-${v.name}`;
    const pvc = await src.persistentVolumeClaim(ns, claim);
    if (!pvc) throw new VolumeError(`persistentvolumeclaim "${claim}" not found`);
    if (v.ephemeral && !pvc.metadata?.ownerReferences?.some((r) => r.controller && r.uid === pod.metadata.uid)) throw new VolumeError(`PVC ${ns}/${claim} was not created for pod ${ns}/${pod.metadata.name} (pod is not owner)`);
    const pvName = pvc.spec?.volumeName;
    if (!pvName || pvc.status?.phase !== 'Bound') throw new VolumeError(`persistentvolumeclaim "${claim}" is not bound`);
    const pv = await src.persistentVolume(pvName);
    const network = await prepareNetworkVolume(podDir, pod.spec.nodeName ?? '', v.name, pv?.spec ?? {}, { mountOptions: pv?.spec?.mountOptions, readOnly: v.persistentVolumeClaim?.readOnly });
    if (network) return network;
    const p = pv?.spec?.hostPath?.path ?? pv?.spec?.local?.path;
    if (!p) throw new VolumeError(`persistentvolume "${pvName}" has no hostPath or local source this node can mount`);
    return { path: pv?.spec?.hostPath ? await hostPath(p, pv.spec.hostPath.type ?? 'DirectoryOrCreate') : p, readOnly: v.persistentVolumeClaim?.readOnly };
  }
  const network = await prepareNetworkVolume(podDir, pod.spec.nodeName ?? '', v.name, { nfs: v.nfs as NfsSource | undefined, iscsi: v.iscsi as IscsiSource | undefined });
  if (network) return network;
  const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
  throw new VolumeError(`volume "${v.name}": the ${kind} volume source is not supported on this node`);
}

async function hostPath(path: string, type: string): Promise<string> {
  const st = await stat(path).catch(() => undefined);
  switch (type) {
    case 'DirectoryOrCreate':
      if (!st) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) throw new VolumeError(`hostPath type check failed: ${path} is not a directory`);
      break;
    case 'FileOrCreate':
      if (!st) {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, '', { mode: 0o644 });
      } else if (!st.isFile()) throw new VolumeError(`hostPath type check failed: ${path} is not a file`);
      break;
    case 'Directory':
      if (!st?.isDirectory()) throw new VolumeError(`hostPath type check failed: ${path} is not a directory`);
      break;
    case 'File':
      if (!st?.isFile()) throw new VolumeError(`hostPath type check failed: ${path} is not a file`);
      break;
    case 'Socket':
      if (!st?.isSocket()) throw new VolumeError(`hostPath type check failed: ${path} is not a socket file`);
      break;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) throw new VolumeError(`hostPath type check failed: ${path} is not a character device`);
      break;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw new VolumeError(`hostPath type check failed: ${path} is not a block device`);
      break;
  }
  return path;
}

function pick(data: Record<string, Buffer>, items: { key: string; path: string; mode?: number }[] | undefined, what: string, optional?: boolean): FileEntry[] {
  if (!items?.length) return Object.entries(data).map(([k, content]) => ({ path: k, content }));
  const out: FileEntry[] = [];
  for (const it of items) {
    if (!(it.key in data)) {
      if (optional) continue;
      throw new VolumeError(`${what} has no key "${it.key}"`);
    }
    out.push({ path: it.path, content: data[it.key], mode: it.mode });
  }
  return out;
}

function downward(pod: Pod, items: DownwardItem[], ips: { hostIP: string; podIP: string }): FileEntry[] {
  return items.map((it) => {
    let value = '';
    if (it.fieldRef) value = fieldValue(pod, it.fieldRef.fieldPath, ips.hostIP, ips.podIP);
    else if (it.resourceFieldRef) {
      const c = pod.spec.containers.find((x) => x.name === it.resourceFieldRef!.containerName) ?? pod.spec.containers[0];
      value = resourceValue(c, it.resourceFieldRef.resource, it.resourceFieldRef.divisor, {});
    }
    return { path: it.path, content: Buffer.from(value), mode: it.mode };
  });
}

/** Kubernetes' AtomicWriter layout: dir/..<ts>/files, dir/..data -> ..<ts>, dir/<top-level> -> ..data/<top-level>. */
async function writeAtomic(dir: string, files: FileEntry[], defaultMode: number) {
  await mkdir(dir, { recursive: true });
  const stamp = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${process.hrtime.bigint() % 1000000n}`;
  const payload = join(dir, stamp);
  await mkdir(payload);
  for (const f of files) {
    const p = join(payload, f.path);
    if (!p.startsWith(payload + '/')) throw new VolumeError(`invalid path "${f.path}" in volume item`);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, f.content, { mode: f.mode ?? defaultMode });
    await chmod(p, f.mode ?? defaultMode);
  }
  const tmpLink = join(dir, '..data_tmp');
  await rm(tmpLink, { force: true });
  await symlink(stamp, tmpLink);
  const old = await readlink(join(dir, '..data')).catch(() => undefined);
  await rename(tmpLink, join(dir, '..data'));
  const tops = new Set(files.map((f) => f.path.split('/')[0]));
  for (const t of tops) {
    const link = join(dir, t);
    const st = await lstat(link).catch(() => undefined);
    if (!st) await symlink(join('..data', t), link);
  }
  // Drop links to names no longer present, and the previous payload.
  for (const e of await readdir(dir)) {
    if (e.startsWith('..') || tops.has(e)) continue;
    await rm(join(dir, e), { force: true, recursive: true });
  }
  if (old && old !== stamp) await rm(join(dir, old), { recursive: true, force: true });
}

/**
 * Mounts a size-limited tmpfs on dir (once): secrets and the other generated volumes never touch the
 * node's disk, as the kubelet keeps them. Room for the content twice (an atomic update holds the old
 * and the new payload at once) plus 1 MiB; returns dir.
 */
async function onTmpfs(dir: string, content: Record<string, Buffer> | FileEntry[]): Promise<string> {
  // Without root (the process runtime) nothing can be mounted: the files stay in the agent's own
  // data dir, readable by its user only. Every pod has such a volume (its service account token).
  if (process.getuid?.() !== 0) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }
  await mkdir(dir, { recursive: true, mode: 0o755 });
  if (await isMountPoint(dir)) return dir;
  const bytes = (Array.isArray(content) ? content.map((f) => f.content) : Object.values(content)).reduce((n, b) => n + b.length + 4096, 0);
  const size = 2 * bytes + (1 << 20);
  await run('mount', ['-t', 'tmpfs', '-o', `mode=0755,nosuid,nodev,size=${size}`, 'tmpfs', dir]);
  return dir;
}

/**
 * fsGroupChangePolicy: Always (the default) walks the whole volume; OnRootMismatch skips the walk when
 * the volume's root already has the group, the permissions and the setgid bit (Kubernetes'
 * requiresPermissionChange), so a large volume is not walked at every pod start.
 */
export async function applyFsGroupWithPolicy(path: string, gid: number, readOnly: boolean, policy?: string) {
  if (policy === 'OnRootMismatch' && !(await rootNeedsFsGroup(path, gid, readOnly))) return;
  await applyFsGroup(path, gid, readOnly);
}

/** Whether a volume's root lacks fsGroup's ownership: another group, a file, missing rw(x) for the group, or no setgid. */
export async function rootNeedsFsGroup(path: string, gid: number, readOnly: boolean): Promise<boolean> {
  const st = await stat(path).catch(() => undefined);
  if (!st || st.gid !== gid || !st.isDirectory()) return true;
  const want = (readOnly ? 0o440 : 0o660) | 0o110;
  return (st.mode & want) !== want || (st.mode & 0o2000) === 0;
}

/** The kubelet's volume ownership for fsGroup: group-owned, group-readable (and writable unless read-only), setgid directories. */
async function applyFsGroup(path: string, gid: number, readOnly: boolean) {
  const st = await lstat(path);
  if (st.isSymbolicLink()) return;
  await lchown(path, st.uid, gid);
  let mask = readOnly ? 0o440 : 0o660;
  if (st.isDirectory()) mask |= 0o2110;
  await chmod(path, (st.mode & 0o7777) | mask);
  if (st.isDirectory()) for (const e of await readdir(path)) await applyFsGroup(join(path, e), gid, readOnly);
}

async function isMountPoint(path: string): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text.split('\n').some((l) => l.split(' ')[4] === path);
}

/** Unmounts tmpfs volumes and removes the pod's volume directories (hostPath and PV data are untouched). */
export async function cleanupVolumes(podDir: string) {
  // Staged subPaths first: they are bind mounts of volume contents (hostPath ones included). One
  // that stays mounted keeps its directory (removeStaged refuses) but not the pod's other volumes.
  const staged = await removeStaged(join(podDir, 'subpaths')).then(
    () => undefined,
    (e: Error) => e,
  );
  await unmount(join(podDir, 'volumes'));
  await releaseIscsiSessions(podDir).catch(() => undefined);
  // Never delete through a mount still there: an nfs export or iSCSI disk would lose its data.
  const left = await mountsUnder(join(podDir, 'volumes'));
  if (left.length) throw new Error(`volume directories kept: still mounted: ${left.join(', ')}`);
  await rm(join(podDir, 'volumes'), { recursive: true, force: true });
  if (staged) throw staged;
}
