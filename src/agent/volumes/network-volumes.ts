// In-tree nfs and iscsi volumes (a pod's own, or a PV's source), as the kubelet's plugins mount them:
// nfs with the host's mount.nfs (`mount -t nfs -o <options> server:path <dir>`), iscsi through
// open-iscsi (discovery, login, then the /dev/disk/by-path device, formatted if blank, mounted).
// Every field comes from a user's object: servers, paths, portals, IQNs and options are validated so
// nothing can become an option of mount or iscsiadm (a leading '-', a comma inside -o), with bounded
// lengths. Commands run with execFile (no shell) and a timeout. Teardown unmounts with the pod's
// other volumes; an iSCSI session is logged out when its disk is no longer mounted anywhere.

import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable, iscsiUnsupported, nfsUnsupported } from './host-support.js';
import { ifMissing, logFailureOnce } from '../../util/best-effort.js';
import { logger } from '../../util/log.js';

const log = logger('agent');

const run = promisify(execFile);

export interface NfsSource {
  server: string;
  path: string;
  readOnly?: boolean;
}

export interface IscsiSource {
  targetPortal: string;
  iqn: string;
  lun: number;
  iscsiInterface?: string;
  fsType?: string;
  readOnly?: boolean;
  portals?: string[];
  chapAuthDiscovery?: boolean;
  chapAuthSession?: boolean;
  initiatorName?: string;
}

/** A volume that cannot be set up (bad input or a host without support): the pod waits with this message. */
export class NetworkVolumeError extends Error {}

const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;
/** One mount option: name or name=value, in the characters real options use (no comma: options are joined by commas). */
const MOUNT_OPTION = /^[A-Za-z0-9_][A-Za-z0-9_.:/+=@-]{0,254}$/;
const MAX_OPTIONS = 64;

function checkHost(host: string, field: string): string | undefined {
  if (typeof host !== 'string' || host.length === 0) return `${field} is required`;
  if (isIP(host)) return undefined;
  if (!DNS_NAME.test(host)) return `${field} "${host.slice(0, 64)}" is not a host name or IP address`;
  return undefined;
}

/** Why an nfs source may not be mounted, or undefined. */
export function validateNfs(src: NfsSource): string | undefined {
  if (typeof src !== 'object' || src === null) return 'nfs must be an object with server and path';
  const bad = checkHost(src.server, 'nfs.server');
  if (bad) return bad;
  const p = src.path;
  if (typeof p !== 'string' || !p.startsWith('/')) return 'nfs.path must be an absolute path';
  if (p.length > 4096) return 'nfs.path is longer than 4096 characters';
  if (CONTROL.test(p) || p.includes(',')) return 'nfs.path may not contain commas or control characters';
  return undefined;
}

/** Why these mount options (a PV's spec.mountOptions) may not be passed to mount, or undefined. */
export function validateMountOptions(options: unknown): string | undefined {
  if (options === undefined) return undefined;
  if (!Array.isArray(options)) return 'mountOptions must be a list';
  if (options.length > MAX_OPTIONS) return `more than ${MAX_OPTIONS} mountOptions`;
  for (const o of options) if (typeof o !== 'string' || !MOUNT_OPTION.test(o)) return `mount option "${String(o).slice(0, 64)}" is not a plain option (name or name=value, no commas, no leading '-')`;
  return undefined;
}

/** mount's arguments for an nfs source on dir (the kubelet's: the PV's options, then ro when read-only). */
export function nfsMountArgs(src: NfsSource, dir: string, mountOptions: string[] = [], readOnly = false): string[] {
  const options = [...mountOptions, ...(readOnly || src.readOnly ? ['ro'] : [])];
  const server = isIP(src.server) === 6 ? `[${src.server}]` : src.server;
  return ['-t', 'nfs', ...(options.length ? ['-o', options.join(',')] : []), `${server}:${src.path}`, dir];
}

const IQN = /^(?:iqn\.\d{4}-\d{2}\.[A-Za-z0-9][A-Za-z0-9.-]*(?::[A-Za-z0-9.:_-]+)?|eui\.[0-9A-Fa-f]{16}|naa\.[0-9A-Fa-f]{16}(?:[0-9A-Fa-f]{16})?)$/;
const IFACE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/;
const FS_TYPE = /^[a-z0-9]{1,16}$/;

/** host:port of a portal, the port defaulting to iSCSI's 3260; undefined when it is not one. */
export function normalizePortal(portal: string): string | undefined {
  if (typeof portal !== 'string' || portal.length > 261) return undefined;
  let host = portal;
  let port = '3260';
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(portal);
  if (v6) {
    if (isIP(v6[1]) !== 6) return undefined;
    host = `[${v6[1]}]`;
    port = v6[2] ?? port;
  } else {
    const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(portal);
    if (!m || checkHost(m[1], 'portal')) return undefined;
    host = m[1];
    port = m[2] ?? port;
  }
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) return undefined;
  return `${host}:${n}`;
}

/** Why an iscsi source may not be attached, or undefined. */
export function validateIscsi(src: IscsiSource): string | undefined {
  if (typeof src !== 'object' || src === null) return 'iscsi must be an object with targetPortal, iqn and lun';
  if (!normalizePortal(src.targetPortal)) return `iscsi.targetPortal "${String(src.targetPortal).slice(0, 64)}" is not host[:port]`;
  if (src.portals !== undefined && (!Array.isArray(src.portals) || src.portals.length > 16)) return 'iscsi.portals must be a list of at most 16 portals';
  for (const p of src.portals ?? []) if (!normalizePortal(p)) return `iscsi.portals entry "${String(p).slice(0, 64)}" is not host[:port]`;
  if (typeof src.iqn !== 'string' || src.iqn.length > 223 || !IQN.test(src.iqn)) return `iscsi.iqn "${String(src.iqn).slice(0, 64)}" is not an iSCSI qualified name (iqn.YYYY-MM.domain[:name], eui. or naa.)`;
  if (!Number.isInteger(src.lun) || src.lun < 0 || src.lun > 255) return 'iscsi.lun must be between 0 and 255';
  if (src.iscsiInterface !== undefined && !IFACE.test(src.iscsiInterface)) return `iscsi.iscsiInterface "${String(src.iscsiInterface).slice(0, 64)}" is not an interface name`;
  if (src.fsType !== undefined && src.fsType !== '' && !FS_TYPE.test(src.fsType)) return `iscsi.fsType "${String(src.fsType).slice(0, 32)}" is not a filesystem type`;
  if (src.chapAuthDiscovery || src.chapAuthSession) return 'iSCSI CHAP authentication is not supported by this node agent';
  if (src.initiatorName !== undefined) return 'a custom iscsi.initiatorName is not supported by this node agent';
  return undefined;
}

/** iscsiadm's arguments to discover, log in and log out, and the device the LUN appears as (open-iscsi over TCP). */
export function iscsiCommands(src: IscsiSource): { discover: string[]; login: string[]; logout: string[]; device: string } {
  const portal = normalizePortal(src.targetPortal)!;
  const iface = src.iscsiInterface || 'default';
  return {
    discover: ['-m', 'discovery', '-t', 'sendtargets', '-p', portal, '-I', iface],
    login: ['-m', 'node', '-p', portal, '-T', src.iqn, '-I', iface, '--login'],
    logout: ['-m', 'node', '-p', portal, '-T', src.iqn, '-I', iface, '--logout'],
    device: `/dev/disk/by-path/ip-${portal}-iscsi-${src.iqn}-lun-${src.lun}`,
  };
}

const errText = (e: unknown) => {
  const x = e as { stderr?: string; message?: string; killed?: boolean };
  if (x.killed) return 'timed out';
  return (x.stderr || x.message || String(e)).trim().slice(0, 1024);
};

async function isMounted(dir: string): Promise<boolean> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text.split('\n').some((l) => l.split(' ')[4] === dir);
}

/** Mounts an nfs source on dir (once); throws NetworkVolumeError with what is wrong or missing. */
export async function mountNfs(src: NfsSource, dir: string, o: { nodeName: string; mountOptions?: string[]; readOnly?: boolean; timeoutMs?: number }): Promise<void> {
  const bad = validateNfs(src) ?? validateMountOptions(o.mountOptions);
  if (bad) throw new NetworkVolumeError(bad);
  const missing = await nfsUnsupported(o.nodeName);
  if (missing) throw new NetworkVolumeError(missing);
  await mkdir(dir, { recursive: true, mode: 0o750 });
  if (await isMounted(dir)) return;
  const args = nfsMountArgs(src, dir, o.mountOptions, o.readOnly);
  await run('mount', args, { timeout: o.timeoutMs ?? 120_000 }).catch((e) => {
    throw new NetworkVolumeError(`mount failed: ${errText(e)}\nMounting command: mount\nMounting arguments: ${args.join(' ')}`);
  });
}

/** Record beside an iSCSI mount, so teardown knows which session to log out. */
const iscsiRecord = (dir: string) => `${dir}.iscsi.json`;

/** Attaches an iSCSI LUN and mounts it on dir (formatting a blank disk unless read-only). */
export async function mountIscsi(src: IscsiSource, dir: string, o: { nodeName: string; mountOptions?: string[]; readOnly?: boolean; timeoutMs?: number }): Promise<void> {
  const bad = validateIscsi(src) ?? validateMountOptions(o.mountOptions);
  if (bad) throw new NetworkVolumeError(bad);
  const missing = await iscsiUnsupported(o.nodeName);
  if (missing) throw new NetworkVolumeError(missing);
  await mkdir(dir, { recursive: true, mode: 0o750 });
  if (await isMounted(dir)) return;
  const c = iscsiCommands(src);
  const timeout = o.timeoutMs ?? 30_000;
  const iscsiadm = (args: string[]) =>
    run('iscsiadm', args, { timeout }).catch((e) => {
      throw new NetworkVolumeError(`iscsiadm ${args.join(' ')} failed: ${errText(e)}`);
    });
  await iscsiadm(c.discover);
  await iscsiadm(c.login);
  await writeFile(iscsiRecord(dir), JSON.stringify({ logout: c.logout, device: c.device }));
  // The LUN's device appears a moment after login.
  const deadline = Date.now() + 10_000;
  let device: string | undefined;
  while (!device && Date.now() < deadline) {
    device = await realpath(c.device).catch(ifMissing);
    if (!device) await new Promise((r) => setTimeout(r, 200));
  }
  if (!device) throw new NetworkVolumeError(`iSCSI disk ${c.device} did not appear after login`);
  const fsType = src.fsType || 'ext4';
  const readOnly = o.readOnly || src.readOnly;
  // The kubelet's safe format-and-mount: a disk without a filesystem (blkid exit 2) is formatted first.
  const probe = await run('blkid', ['-p', '-s', 'TYPE', '-o', 'value', device], { timeout }).then(
    (r) => r.stdout.trim(),
    (e: { code?: number }) => (e.code === 2 ? '' : undefined),
  );
  if (probe === '') {
    if (readOnly) throw new NetworkVolumeError(`iSCSI disk ${c.device} has no filesystem and the volume is read-only`);
    const mkfs = await findExecutable(`mkfs.${fsType}`);
    if (!mkfs) throw new NetworkVolumeError(`mkfs.${fsType} not found on node ${o.nodeName}: cannot format the blank iSCSI disk`);
    await run(mkfs, [...(fsType.startsWith('ext') ? ['-F', '-m0'] : []), device], { timeout: 300_000 }).catch((e) => {
      throw new NetworkVolumeError(`formatting ${c.device} as ${fsType} failed: ${errText(e)}`);
    });
  }
  const options = [...(o.mountOptions ?? []), ...(readOnly ? ['ro'] : ['defaults'])];
  const args = ['-t', fsType, '-o', options.join(','), device, dir];
  await run('mount', args, { timeout }).catch((e) => {
    throw new NetworkVolumeError(`mount failed: ${errText(e)}\nMounting command: mount\nMounting arguments: ${args.join(' ')}`);
  });
}

/**
 * After the pod's volumes were unmounted: log out of each iSCSI session its volumes used whose disk
 * is not mounted anywhere any more (another pod may share the LUN read-only).
 */
export async function releaseIscsiSessions(podDir: string): Promise<void> {
  const base = join(podDir, 'volumes', 'kubernetes.io~iscsi');
  const files = (await readdir(base).catch(() => [] as string[])).filter((f) => f.endsWith('.iscsi.json')).slice(0, 256);
  if (files.length === 0) return;
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  for (const f of files) {
    let rec: { logout?: unknown; device?: unknown };
    try {
      rec = JSON.parse(await readFile(join(base, f), 'utf8'));
    } catch {
      continue;
    }
    if (!Array.isArray(rec.logout) || !rec.logout.every((a) => typeof a === 'string') || typeof rec.device !== 'string') continue;
    const dev = await realpath(rec.device).catch(ifMissing);
    if (dev && mountinfo.split('\n').some((l) => l.split(' - ')[1]?.split(' ')[1] === dev)) continue;
    await run('iscsiadm', rec.logout as string[], { timeout: 30_000 }).catch(logFailureOnce(log, 'logging out of an iSCSI session', { record: join(base, f) }));
    await rm(join(base, f), { force: true });
  }
}

/**
 * A pod volume backed by nfs or iscsi (its own source, or its claim's PV's), mounted under the pod's
 * directory in the kubelet's layout; undefined when the source is neither.
 */
export async function prepareNetworkVolume(podDir: string, nodeName: string, volumeName: string, source: { nfs?: NfsSource; iscsi?: IscsiSource }, o: { mountOptions?: string[]; readOnly?: boolean } = {}): Promise<{ path: string; readOnly?: boolean } | undefined> {
  const readOnly = !!(o.readOnly || source.nfs?.readOnly || source.iscsi?.readOnly);
  try {
    if (source.nfs) {
      const dir = join(podDir, 'volumes', 'kubernetes.io~nfs', volumeName);
      await mountNfs(source.nfs, dir, { nodeName, mountOptions: o.mountOptions, readOnly });
      return { path: dir, readOnly };
    }
    if (source.iscsi) {
      const dir = join(podDir, 'volumes', 'kubernetes.io~iscsi', volumeName);
      await mountIscsi(source.iscsi, dir, { nodeName, mountOptions: o.mountOptions, readOnly });
      return { path: dir, readOnly };
    }
  } catch (e) {
    if (e instanceof NetworkVolumeError) throw new NetworkVolumeError(`volume "${volumeName}": ${e.message}`);
    throw e;
  }
  return undefined;
}
