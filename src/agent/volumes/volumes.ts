// Pod volumes made real on the node: a host directory per volume that containers bind-mount.
// emptyDir (disk or tmpfs), hostPath (with its type checks), configMap, secret, downwardAPI,
// projected, nfs and iscsi (network-volumes.ts), and claims (persistentVolumeClaim, generic
// ephemeral) bound to hostPath/local/nfs/iscsi PersistentVolumes or to CSI ones (published through the
// node's CsiVolumeManager, csi-mounter.ts); Block claims come out as device nodes for the containers'
// volumeDevices.
// Generated content is written with Kubernetes' atomic writer layout: files live in a timestamped
// directory and `..data` is a symlink swapped in one rename, so a reader never sees half an update.

import { mkdir, writeFile, symlink, rename, rm, stat, readdir, chmod, lstat, readlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseQuantity } from '../../api/quantity.js';
import { fieldValue, resourceValue } from '../pods/container-config.js';
import type { DownwardItem, Pod, Volume } from '../pods/types.js';
import { mountsUnder, unmount } from '../runtime/host.js';
import { blockDeviceAt, type BlockDevice } from './block-device.js';
import { type ClaimObject, type PersistentVolumeObject, resolveClaim } from './claims.js';
import type { CsiVolumeManager } from './csi-mounter.js';
import type { CsiDriverObject, VolumeAttachmentObject } from './csi-request.js';
import { applyFsGroup, requiresPermissionChange } from './fs-group.js';
import { removeStaged } from './subpath.js';
import { prepareNetworkVolume, releaseIscsiSessions, type IscsiSource, type NfsSource } from './network-volumes.js';
import { VolumeError } from './volume-error.js';
import { type ExecOptions as CommandOptions, execFileHelped } from '../../util/exec-helper.js';
import { ifMissing, logFailureOnce } from '../../util/best-effort.js';
import { logger } from '../../util/log.js';

const log = logger('agent');

// Through the helper process: the agent's loop does not stop for each fork (util/exec-helper.ts).
const run = (cmd: string, args: string[], o?: CommandOptions) => execFileHelped(cmd, args, o);

/** Reads objects the volumes refer to; undefined when not found. */
export interface VolumeSources {
  configMap(namespace: string, name: string): Promise<{ data: Record<string, string>; binaryData: Record<string, string> } | undefined>;
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  persistentVolumeClaim(namespace: string, name: string): Promise<ClaimObject | undefined>;
  persistentVolume(name: string): Promise<PersistentVolumeObject | undefined>;
  /** storage.k8s.io CSIDriver by name (undefined: none, Kubernetes' defaults apply); for CSI volumes. */
  csiDriver?(name: string): Promise<CsiDriverObject | undefined>;
  /** storage.k8s.io VolumeAttachment by name; for CSI volumes whose driver needs attaching. */
  volumeAttachment?(name: string): Promise<VolumeAttachmentObject | undefined>;
  /** A token for the pod's service account bound to the pod (TokenRequest); throws when it cannot be had. */
  serviceAccountToken(namespace: string, serviceAccount: string, req: { audience?: string; expirationSeconds: number; pod: { name: string; uid: string } }): Promise<{ token: string; expirationTimestamp: string }>;
}

export interface PreparedVolume {
  path: string;
  readOnly?: boolean;
  /** When to write the volume again (ms since the epoch): it holds a service account token that must be refreshed by then, or its CSI driver wants it republished. */
  refreshAt?: number;
  /** A Block volume: the device containers get through volumeDevices (path is its node on the host). */
  device?: BlockDevice;
}

/** The kubelet's token refresh: at 80% of a token's life, and at least daily. */
export function tokenRefreshAt(issuedMs: number, expiresMs: number): number {
  return issuedMs + Math.min(0.8 * (expiresMs - issuedMs), 24 * 3600_000);
}

export { VolumeError };

interface FileEntry {
  path: string;
  content: Buffer;
  mode?: number;
}

/** csi: the node's CSI volume manager; without one, a CSI volume fails as with an unregistered driver. */
export async function prepareVolumes(pod: Pod, podDir: string, src: VolumeSources, ips: { hostIP: string; podIP: string }, csi?: CsiVolumeManager): Promise<Map<string, PreparedVolume>> {
  const out = new Map<string, PreparedVolume>();
  const fsGroup = pod.spec.securityContext?.fsGroup;
  for (const v of pod.spec.volumes ?? []) {
    const pv = await prepareVolume(pod, podDir, v, src, ips, csi);
    // The kubelet gives fsGroup the volumes it makes itself (CSI ones per their driver's policy, in
    // csi-mounter.ts); hostPath and local PV data stay as they are.
    if (fsGroup !== undefined && (v.emptyDir || v.configMap || v.secret || v.downwardAPI || v.projected)) await applyFsGroup(pv.path, fsGroup, !!pv.readOnly, pod.spec.securityContext?.fsGroupChangePolicy);
    out.set(v.name, pv);
  }
  return out;
}

/** Writes a volume again (a projected one whose token is due): same content sources, fresh token, one atomic swap. */
export async function refreshVolume(pod: Pod, podDir: string, name: string, src: VolumeSources, ips: { hostIP: string; podIP: string }, csi?: CsiVolumeManager): Promise<PreparedVolume | undefined> {
  const v = pod.spec.volumes?.find((x) => x.name === name);
  return v ? prepareVolume(pod, podDir, v, src, ips, csi) : undefined;
}

async function prepareVolume(pod: Pod, podDir: string, v: Volume, src: VolumeSources, ips: { hostIP: string; podIP: string }, csi?: CsiVolumeManager): Promise<PreparedVolume> {
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
  if (v.csi) {
    if (!csi) throw new VolumeError(`driver name ${v.csi.driver} not found in the list of registered CSI drivers`);
    const p = await csi.publishInline(pod, v);
    return { path: p.path, readOnly: p.readOnly, ...(p.republishAt ? { refreshAt: p.republishAt } : {}) };
  }
  const claim = await resolveClaim(pod, v, src);
  if (claim) {
    const { pv, pvName } = claim;
    if (pv.spec?.csi) {
      const driver = pv.spec.csi.driver;
      if (!csi) throw new VolumeError(`driver name ${driver} not found in the list of registered CSI drivers`);
      const p = await csi.publish({ pod, specVolumeName: v.name, claimName: claim.claimName, pvName, pv, mode: claim.mode, readOnly: claim.readOnly });
      return { path: p.path, readOnly: p.readOnly, ...(p.device ? { device: p.device } : {}), ...(p.republishAt ? { refreshAt: p.republishAt } : {}) };
    }
    const network = await prepareNetworkVolume(podDir, pod.spec.nodeName ?? '', v.name, { nfs: pv.spec?.nfs as NfsSource | undefined, iscsi: pv.spec?.iscsi as IscsiSource | undefined }, { mountOptions: pv.spec?.mountOptions, readOnly: claim.readOnly });
    if (network) return network;
    const p = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (!p) throw new VolumeError(`persistentvolume "${pvName}" has no hostPath, local, nfs, iscsi or csi source this node can mount`);
    if (claim.mode === 'Block') {
      // A local (or hostPath) Block PV names a device of the node.
      const device = await blockDeviceAt(p);
      if (!device) throw new VolumeError(`persistentvolume "${pvName}": ${p} is not a block device`);
      return { path: p, readOnly: claim.readOnly, device };
    }
    return { path: pv.spec?.hostPath ? await hostPath(p, pv.spec.hostPath.type ?? 'DirectoryOrCreate') : p, readOnly: claim.readOnly };
  }
  const network = await prepareNetworkVolume(podDir, pod.spec.nodeName ?? '', v.name, { nfs: v.nfs as NfsSource | undefined, iscsi: v.iscsi as IscsiSource | undefined });
  if (network) return network;
  const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
  throw new VolumeError(`volume "${v.name}": the ${kind} volume source is not supported on this node`);
}

async function hostPath(path: string, type: string): Promise<string> {
  const st = await stat(path).catch(ifMissing);
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

/** Whether a downward API file (plain or projected) shows the pod's IP, known only once its network is set up. */
export function volumesNeedPodIP(pod: Pod): boolean {
  const needs = (items: DownwardItem[] | undefined) => (items ?? []).some((it) => /^status\.podIPs?$/.test(it.fieldRef?.fieldPath ?? ''));
  return (pod.spec.volumes ?? []).some((v) => needs(v.downwardAPI?.items) || (v.projected?.sources ?? []).some((s) => needs(s.downwardAPI?.items)));
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
  const old = await readlink(join(dir, '..data')).catch(ifMissing);
  await rename(tmpLink, join(dir, '..data'));
  const tops = new Set(files.map((f) => f.path.split('/')[0]));
  for (const t of tops) {
    const link = join(dir, t);
    const st = await lstat(link).catch(ifMissing);
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
 * the volume's root already has the group, the permissions and the setgid bit (fs-group.ts).
 */
export async function applyFsGroupWithPolicy(path: string, gid: number, readOnly: boolean, policy?: string) {
  await applyFsGroup(path, gid, readOnly, policy ?? 'Always');
}

/** Whether a volume's root lacks fsGroup's ownership: another group, a file, missing rw(x) for the group, or no setgid. */
export const rootNeedsFsGroup = requiresPermissionChange;

async function isMountPoint(path: string): Promise<boolean> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text.split('\n').some((l) => l.split(' ')[4] === path);
}

/**
 * Unmounts the pod's volumes and removes their directories (hostPath and PV data are untouched).
 * CSI volumes are unpublished (and unstaged when no other pod of the node uses them) through their
 * driver first; what of them cannot be undone stays mounted and in place, never lazily unmounted
 * nor deleted through, and the call throws so the pod's directory stays too. orphan: the pod is
 * gone from the API (see CsiVolumeManager.unpublishPod).
 */
export async function cleanupVolumes(podDir: string, csi?: CsiVolumeManager, opts: { orphan?: boolean } = {}) {
  // Staged subPaths first: they are bind mounts of volume contents (hostPath ones included). One
  // that stays mounted keeps its directory (removeStaged refuses) but not the pod's other volumes.
  const staged = await removeStaged(join(podDir, 'subpaths')).then(
    () => undefined,
    (e: Error) => e,
  );
  const uid = basename(podDir);
  const csiFailed = csi
    ? await csi.unpublishPod(uid, opts).then(
        () => undefined,
        (e: Error) => e,
      )
    : undefined;
  const volumes = join(podDir, 'volumes');
  // CSI targets live in the CSI pod directory (the same as podDir unless --kubelet-dir moves it).
  const csiDirs = [join(volumes, CSI_VOLUMES), ...(csi ? [join(csi.podDir(uid), 'volumes', CSI_VOLUMES)] : [])];
  const csiLeft = [...new Set((await Promise.all(csiDirs.map((d) => readdir(d).catch(() => [] as string[])))).flat())];
  // Every other kind of volume: unmounted (iSCSI sessions logged out), then removed, never through a
  // mount still there (an nfs export or iSCSI disk would lose its data). CSI ones are never touched here.
  const kinds = (await readdir(volumes).catch(() => [] as string[])).filter((k) => k !== CSI_VOLUMES || !csiLeft.length);
  for (const kind of kinds) await unmount(join(volumes, kind));
  await releaseIscsiSessions(podDir).catch(logFailureOnce(log, 'logging out of the iSCSI sessions of a pod', { podDir }));
  const stillMounted: string[] = [];
  for (const kind of kinds) {
    const left = await mountsUnder(join(volumes, kind));
    if (left.length) stillMounted.push(...left);
    else await rm(join(volumes, kind), { recursive: true, force: true });
  }
  if (!csiLeft.length && !stillMounted.length) await rm(volumes, { recursive: true, force: true });
  // Block volumes' device files: only once nothing is bind-mounted on them any more.
  const devices = join(podDir, 'volumeDevices');
  if (!(await mountsUnder(devices)).length) await rm(devices, { recursive: true, force: true });
  if (csiFailed) throw csiFailed;
  if (csiLeft.length) throw new Error(`CSI volumes ${csiLeft.join(', ')} are still published: kept`);
  if (stillMounted.length) throw new Error(`volume directories kept: still mounted: ${stillMounted.join(', ')}`);
  if (staged) throw staged;
}

const CSI_VOLUMES = 'kubernetes.io~csi';
