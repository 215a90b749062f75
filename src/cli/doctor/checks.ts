// What `gifee doctor` checks on a host: each check reads the machine (binaries on the PATH, /proc,
// /sys, statfs, ports) and answers pass, warn or fail with what to do — k3s' check-config, but
// actionable. Checks never change anything and each is bounded by a timeout.

import { execFile } from 'node:child_process';
import { access, readFile, statfs } from 'node:fs/promises';
import { which } from '../../util/which.js';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { ifMissing, ignoreError } from '../../util/best-effort.js';

export type Verdict = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  group: string;
  name: string;
  verdict: Verdict;
  /** What was found (a version, a path, a figure). */
  detail: string;
  /** What to do, for warn and fail. */
  fix?: string;
}

export interface DoctorOptions {
  dataDir: string;
  /** Ports gifee listens on (API server, agent). */
  ports: number[];
  /** Check etcd's binaries too (a cluster on etcd). */
  etcd?: boolean;
  /** Where to look for binaries (default: process.env.PATH). */
  path?: string;
  /** Where CNI plugins live (the agent's default). */
  cniDir?: string;
}

const TIMEOUT_MS = 5_000;

/** The first executable named `cmd` on a PATH string (default: this process's). */
export const whichOnPath = (cmd: string, path = process.env.PATH ?? '') => which(cmd, path.split(delimiter));

const run = (file: string, args: string[]) => new Promise<string | undefined>((resolve) => execFile(file, args, { timeout: TIMEOUT_MS }, (e, stdout, stderr) => resolve(e ? undefined : `${stdout}${stderr}`.trim())));
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );
const text = (p: string) => readFile(p, 'utf8').catch(ifMissing);

/** Binaries gifee runs, with the Debian package that provides each and whether gifee cannot work without it. */
const BINARIES: { cmd: string; pkg: string; need: 'required' | 'storage' | 'optional'; why: string; versionArgs?: string[] }[] = [
  { cmd: 'runc', pkg: 'runc', need: 'required', why: 'runs containers', versionArgs: ['--version'] },
  { cmd: 'nft', pkg: 'nftables', need: 'required', why: "programs Services' virtual IPs", versionArgs: ['--version'] },
  { cmd: 'ip', pkg: 'iproute2', need: 'required', why: 'sets up pod networks' },
  { cmd: 'nsenter', pkg: 'util-linux', need: 'required', why: 'enters pod namespaces' },
  { cmd: 'unshare', pkg: 'util-linux', need: 'required', why: 'creates pod namespaces' },
  { cmd: 'mount', pkg: 'mount', need: 'required', why: 'mounts volumes and root filesystems' },
  { cmd: 'script', pkg: 'bsdutils', need: 'required', why: 'gives kubectl exec -t a terminal' },
  { cmd: 'busybox', pkg: 'busybox-static', need: 'required', why: 'the pause process and the test images' },
  { cmd: 'losetup', pkg: 'mount', need: 'storage', why: 'backs local volumes with loop devices' },
  { cmd: 'mkfs.ext4', pkg: 'e2fsprogs', need: 'storage', why: 'formats local volumes' },
  { cmd: 'resize2fs', pkg: 'e2fsprogs', need: 'storage', why: 'grows local volumes online' },
  { cmd: 'mount.nfs', pkg: 'nfs-common', need: 'optional', why: 'nfs volumes' },
  { cmd: 'iscsiadm', pkg: 'open-iscsi', need: 'optional', why: 'iscsi volumes' },
];

async function binaries(o: DoctorOptions): Promise<CheckResult[]> {
  const list = [...BINARIES, ...(o.etcd ? [{ cmd: 'etcd', pkg: 'etcd-server', need: 'required' as const, why: 'the etcd backend', versionArgs: ['--version'] }] : [])];
  return Promise.all(
    list.map(async (b) => {
      const at = await whichOnPath(b.cmd, o.path);
      if (!at) {
        const verdict: Verdict = b.need === 'required' ? 'fail' : 'warn';
        const impact = b.need === 'storage' ? ' (local volumes cannot be provisioned without it)' : b.need === 'optional' ? ` (only for ${b.why})` : '';
        return { group: 'binaries', name: b.cmd, verdict, detail: `not found on the PATH${impact}`, fix: `apt-get install ${b.pkg}` };
      }
      const version = b.versionArgs ? ((await run(at, b.versionArgs))?.split('\n')[0] ?? '') : '';
      return { group: 'binaries', name: b.cmd, verdict: 'pass' as const, detail: `${at}${version ? ` (${version})` : ''} — ${b.why}` };
    }),
  );
}

async function cni(o: DoctorOptions): Promise<CheckResult[]> {
  const dir = o.cniDir ?? '/usr/lib/cni';
  const missing: string[] = [];
  for (const p of ['bridge', 'host-local', 'loopback', 'portmap']) if (!(await exists(join(dir, p)))) missing.push(p);
  if (missing.length) return [{ group: 'network', name: 'CNI plugins', verdict: 'fail', detail: `missing in ${dir}: ${missing.join(', ')}`, fix: 'apt-get install containernetworking-plugins' }];
  return [{ group: 'network', name: 'CNI plugins', verdict: 'pass', detail: `${dir}: bridge, host-local, loopback, portmap` }];
}

async function kernel(): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const k = 'kernel';
  const missingNs = [];
  for (const ns of ['net', 'pid', 'mnt', 'uts', 'ipc', 'cgroup']) if (!(await exists(`/proc/self/ns/${ns}`))) missingNs.push(ns);
  out.push(missingNs.length ? { group: k, name: 'namespaces', verdict: 'fail', detail: `missing: ${missingNs.join(', ')}`, fix: 'use a kernel built with CONFIG_NAMESPACES and the listed namespace types' } : { group: k, name: 'namespaces', verdict: 'pass', detail: 'net, pid, mnt, uts, ipc, cgroup' });
  const maxUserNs = Number((await text('/proc/sys/user/max_user_namespaces'))?.trim() ?? '0');
  out.push(maxUserNs > 0 ? { group: k, name: 'user namespaces', verdict: 'pass', detail: `max_user_namespaces=${maxUserNs}` } : { group: k, name: 'user namespaces', verdict: 'warn', detail: 'disabled', fix: 'sysctl -w user.max_user_namespaces=15000 (needed for pods with hostUsers: false)' });
  const filesystems = (await text('/proc/filesystems')) ?? '';
  const modules = (await text('/proc/modules')) ?? '';
  const fs = (name: string) => new RegExp(`\\s${name}$`, 'm').test(filesystems) || new RegExp(`^${name}\\s`, 'm').test(modules);
  out.push(fs('overlay') ? { group: k, name: 'overlayfs', verdict: 'pass', detail: 'available' } : { group: k, name: 'overlayfs', verdict: 'fail', detail: 'not in /proc/filesystems', fix: 'modprobe overlay (and add it to /etc/modules)' });
  const cgroup2 = /\scgroup2$/m.test(filesystems) && (await exists('/sys/fs/cgroup/cgroup.controllers'));
  if (cgroup2) {
    const ctl = ((await text('/sys/fs/cgroup/cgroup.controllers')) ?? '').split(/\s+/);
    const missing = ['cpu', 'memory', 'pids'].filter((c) => !ctl.includes(c));
    out.push(
      missing.length ? { group: k, name: 'cgroups', verdict: 'fail', detail: `v2 without controllers: ${missing.join(', ')}`, fix: 'enable them in the kernel command line (cgroup_enable=memory) and in the root cgroup' } : { group: k, name: 'cgroups', verdict: 'pass', detail: `v2 (${ctl.filter(Boolean).join(', ')})` },
    );
  } else {
    const missing = [];
    for (const c of ['cpu', 'memory', 'pids']) if (!(await exists(`/sys/fs/cgroup/${c}`))) missing.push(c);
    out.push(missing.length ? { group: k, name: 'cgroups', verdict: 'fail', detail: `v1 without hierarchies: ${missing.join(', ')}`, fix: 'mount the cgroup v1 hierarchies (cgroupfs-mount) or boot with cgroup v2' } : { group: k, name: 'cgroups', verdict: 'pass', detail: 'v1 (cpu, memory, pids)' });
  }
  out.push((await exists('/dev/loop-control')) ? { group: k, name: 'loop devices', verdict: 'pass', detail: '/dev/loop-control' } : { group: k, name: 'loop devices', verdict: 'warn', detail: 'no /dev/loop-control', fix: 'modprobe loop (local volumes need it)' });
  out.push(fs('nfs') || fs('nfs4') ? { group: k, name: 'NFS client', verdict: 'pass', detail: 'available' } : { group: k, name: 'NFS client', verdict: 'warn', detail: 'no nfs in /proc/filesystems (only nfs volumes need it)', fix: 'modprobe nfs, or use a kernel with CONFIG_NFS_FS' });
  return out;
}

async function network(): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const forward = (await text('/proc/sys/net/ipv4/ip_forward'))?.trim();
  out.push(forward === '1' ? { group: 'network', name: 'IPv4 forwarding', verdict: 'pass', detail: 'on' } : { group: 'network', name: 'IPv4 forwarding', verdict: 'warn', detail: 'off (the agent turns it on at start)', fix: 'sysctl -w net.ipv4.ip_forward=1 to keep it on' });
  const brnf = await exists('/proc/sys/net/bridge/bridge-nf-call-iptables');
  out.push(brnf ? { group: 'network', name: 'bridge netfilter', verdict: 'pass', detail: 'br_netfilter loaded' } : { group: 'network', name: 'bridge netfilter', verdict: 'warn', detail: 'br_netfilter not loaded (Service traffic between pods on one bridge may bypass nftables)', fix: 'modprobe br_netfilter' });
  return out;
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
}

async function ports(o: DoctorOptions): Promise<CheckResult[]> {
  return Promise.all(
    o.ports.map(async (p) =>
      (await portFree(p)) ? { group: 'host', name: `port ${p}`, verdict: 'pass' as const, detail: 'free' } : { group: 'host', name: `port ${p}`, verdict: 'warn' as const, detail: 'in use (a running gifee, or another program)', fix: `see what listens: ss -ltnp 'sport = :${p}'; stop it or pass another --port` },
    ),
  );
}

async function disk(o: DoctorOptions): Promise<CheckResult[]> {
  let dir = o.dataDir;
  // The data dir may not exist yet: its nearest existing parent holds it.
  while (!(await exists(dir)) && dir !== '/') dir = join(dir, '..');
  const s = await statfs(dir).catch(ignoreError("reported as the check's verdict below"));
  if (!s) return [{ group: 'host', name: 'disk', verdict: 'warn', detail: `cannot statfs ${dir}` }];
  const free = s.bavail * s.bsize;
  const freeGiB = free / 2 ** 30;
  const inodesFree = s.files > 0 ? s.ffree / s.files : 1;
  const out: CheckResult[] = [];
  out.push(
    freeGiB >= 2
      ? { group: 'host', name: 'disk space', verdict: 'pass', detail: `${freeGiB.toFixed(1)} GiB free for ${o.dataDir}` }
      : { group: 'host', name: 'disk space', verdict: freeGiB >= 0.5 ? 'warn' : 'fail', detail: `${freeGiB.toFixed(2)} GiB free for ${o.dataDir}`, fix: 'free space or pass --data-dir on a larger filesystem (images and volumes live there)' },
  );
  out.push(inodesFree >= 0.05 ? { group: 'host', name: 'inodes', verdict: 'pass', detail: `${(inodesFree * 100).toFixed(0)}% free` } : { group: 'host', name: 'inodes', verdict: 'warn', detail: `${(inodesFree * 100).toFixed(1)}% free`, fix: 'remove small files or use another filesystem for --data-dir' });
  return out;
}

async function clock(): Promise<CheckResult[]> {
  // Certificates and leases need a sane clock; timedatectl knows whether NTP keeps it.
  const synced = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value']);
  const year = new Date().getUTCFullYear();
  if (year < 2024) return [{ group: 'host', name: 'clock', verdict: 'fail', detail: `the date is ${new Date().toISOString()}`, fix: 'set the clock (certificates would not be valid yet)' }];
  if (synced === 'yes') return [{ group: 'host', name: 'clock', verdict: 'pass', detail: 'NTP synchronized' }];
  if (synced === 'no') return [{ group: 'host', name: 'clock', verdict: 'warn', detail: 'not NTP synchronized', fix: 'timedatectl set-ntp true (clock skew between nodes breaks certificates and leases)' }];
  return [{ group: 'host', name: 'clock', verdict: 'pass', detail: `${new Date().toISOString()} (NTP state unknown: no timedatectl)` }];
}

async function privileges(): Promise<CheckResult[]> {
  if (process.getuid?.() === 0) return [{ group: 'host', name: 'root', verdict: 'pass', detail: 'running as root' }];
  return [{ group: 'host', name: 'root', verdict: 'warn', detail: 'not root: only the process runtime (no isolation) or --no-agent', fix: 'run gifee as root for real containers' }];
}

export async function runChecks(o: DoctorOptions): Promise<CheckResult[]> {
  const parts = await Promise.all([kernel(), binaries(o), cni(o), network(), privileges(), ports(o), disk(o), clock()]);
  return parts.flat();
}
