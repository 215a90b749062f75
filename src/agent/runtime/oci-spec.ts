// Builds the OCI runtime spec (config.json) runc runs a container from: the pod's shared
// namespaces, the rootfs, mounts, cgroup limits and a Docker-like default security profile.

import type { ContainerConfig, Sandbox, SecuritySettings } from './types.js';

/** Docker's (and containerd's) default capability set for unprivileged containers. */
export const DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

const ALL_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
];

const MASKED = ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'];
const READONLY = ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** "NET_ADMIN" or "CAP_NET_ADMIN" -> "CAP_NET_ADMIN"; "ALL" stays. */
const capName = (c: string) => (c.toUpperCase() === 'ALL' ? 'ALL' : c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`);

export function capabilities(cfg: Pick<ContainerConfig, 'privileged' | 'capAdd' | 'capDrop'>): string[] {
  if (cfg.privileged) return ALL_CAPS;
  const drop = cfg.capDrop.map(capName);
  const add = cfg.capAdd.map(capName);
  let caps = drop.includes('ALL') ? [] : DEFAULT_CAPS.filter((c) => !drop.includes(c));
  caps = add.includes('ALL') ? ALL_CAPS : [...new Set([...caps, ...add])];
  return caps;
}

export function buildSpec(cfg: ContainerConfig, sandbox: Sandbox, cgroupsPath: string): Record<string, unknown> {
  const sec = cfg.security;
  const caps = sec ? sec.capabilities : capabilities(cfg);
  // hostPID: no entry, so the container stays in the host's PID namespace.
  const namespaces: { type: string; path?: string }[] = [...(sec?.hostPID ? [] : [{ type: 'pid' }]), { type: 'mount' }];
  // hostNetwork pods stay in the host's network namespace: no entry at all.
  if (!sandbox.hostNetwork) namespaces.push(sandbox.netnsPath ? { type: 'network', path: sandbox.netnsPath } : { type: 'network' });
  namespaces.push(sandbox.utsPath ? { type: 'uts', path: sandbox.utsPath } : { type: 'uts' });
  if (!sec?.hostIPC) namespaces.push(sandbox.ipcPath ? { type: 'ipc', path: sandbox.ipcPath } : { type: 'ipc' });
  // Its own cgroup namespace: the container sees its cgroup as the root, not the host's hierarchy.
  if (sec) namespaces.push({ type: 'cgroup' });
  const r = cfg.resources;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: cfg.tty,
      user: { uid: cfg.uid, gid: cfg.gid, ...(cfg.additionalGids?.length ? { additionalGids: cfg.additionalGids } : {}) },
      args: cfg.args,
      env: cfg.env,
      cwd: cfg.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: sec ? sec.noNewPrivileges : !cfg.privileged,
      oomScoreAdj: cfg.oomScoreAdj ?? 0,
    },
    root: { path: 'rootfs', readonly: cfg.readOnlyRootfs },
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', cfg.privileged ? 'rw' : 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', cfg.privileged ? 'rw' : 'ro'] },
      ...cfg.mounts.map((m) => (m.type === 'tmpfs' ? { destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] } : { destination: m.destination, type: 'bind', source: m.source, options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'] })),
    ],
    linux: {
      namespaces,
      cgroupsPath,
      resources: {
        devices: cfg.privileged ? [{ allow: true, access: 'rwm' }] : [{ allow: false, access: 'rwm' }],
        ...(r.memoryLimit ? { memory: { limit: r.memoryLimit, swap: r.memoryLimit } } : {}),
        ...(r.cpuShares || r.cpuQuota ? { cpu: { ...(r.cpuShares ? { shares: r.cpuShares } : {}), ...(r.cpuQuota ? { quota: r.cpuQuota, period: r.cpuPeriod ?? 100000 } : {}) } } : {}),
        ...(r.pidsLimit ? { pids: { limit: r.pidsLimit } } : {}),
      },
      ...(sec ? securityOf(sec) : cfg.privileged ? {} : { maskedPaths: MASKED, readonlyPaths: READONLY }),
    },
  };
}

/** The linux.* entries a container's SecuritySettings add to its spec. */
function securityOf(sec: SecuritySettings): Record<string, unknown> {
  return {
    ...(sec.maskedPaths.length ? { maskedPaths: sec.maskedPaths } : {}),
    ...(sec.readonlyPaths.length ? { readonlyPaths: sec.readonlyPaths } : {}),
    ...(sec.seccomp ? { seccomp: sec.seccomp } : {}),
    ...(Object.keys(sec.sysctls).length ? { sysctl: sec.sysctls } : {}),
    ...(sec.devices.length ? { devices: sec.devices } : {}),
  };
}
