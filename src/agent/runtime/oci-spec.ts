// Builds the OCI runtime spec (config.json) runc runs a container from: the pod's shared
// namespaces, the rootfs, mounts, cgroup limits and a Docker-like default security profile.

import type { ContainerConfig, Sandbox, SecuritySettings } from './types.js';
import { CAP_NAMES, DEFAULT_CAPS } from '../security/capabilities.js';
import { MASKED_PATHS, READONLY_PATHS } from '../security/container-security.js';

// Without resolved security settings (a ContainerConfig built by hand, as in unit tests) the spec
// falls back to the same defaults the agent enforces (security/): containerd's capability set and
// masked and read-only paths.
const MASKED = MASKED_PATHS;
const READONLY = READONLY_PATHS;
const ALL_CAPS = CAP_NAMES;

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
  // hostUsers: false: the pod's user namespace (which owns its network, uts and ipc namespaces).
  const userNs = sandbox.userNs;
  if (userNs) namespaces.push({ type: 'user', path: userNs.path });
  const idMap = userNs ? [{ containerID: 0, hostID: userNs.hostId, size: userNs.size }] : undefined;
  const r = cfg.resources;
  // Host devices of a privileged container, then the pod's block volumes at their devicePaths (a
  // volume's device wins over a host device at the same path).
  const volumeDevices = cfg.devices ?? [];
  const devicePaths = new Set(volumeDevices.map((d) => d.path));
  const devices = [...(sec?.devices ?? []).filter((d) => !devicePaths.has(d.path)), ...volumeDevices.map(({ access: _, ...d }) => d)];
  // The device cgroup: deny everything, then allow each block volume (a privileged container has everything anyway).
  const deviceRules = cfg.privileged ? [{ allow: true, access: 'rwm' }] : [{ allow: false, access: 'rwm' }, ...volumeDevices.map((d) => ({ allow: true, type: d.type, major: d.major, minor: d.minor, access: d.access }))];
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
      ...cfg.mounts.map((m) => (m.type === 'tmpfs' ? { destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] } : { destination: m.destination, type: 'bind', source: m.source, options: ['rbind', m.propagation ?? 'rprivate', m.readOnly ? 'ro' : 'rw'] })),
    ],
    linux: {
      // As containerd: a shared mount needs a shared root in the container's mount namespace, a slave
      // one at least a slave root; otherwise runc's default (private) stays.
      ...(cfg.mounts.some((m) => m.propagation === 'rshared') ? { rootfsPropagation: 'rshared' } : cfg.mounts.some((m) => m.propagation === 'rslave') ? { rootfsPropagation: 'rslave' } : {}),
      namespaces,
      ...(idMap ? { uidMappings: idMap, gidMappings: idMap } : {}),
      cgroupsPath,
      resources: {
        devices: deviceRules,
        ...(r.memoryLimit ? { memory: { limit: r.memoryLimit, swap: r.memoryLimit } } : {}),
        ...(r.cpuShares || r.cpuQuota ? { cpu: { ...(r.cpuShares ? { shares: r.cpuShares } : {}), ...(r.cpuQuota ? { quota: r.cpuQuota, period: r.cpuPeriod ?? 100000 } : {}) } } : {}),
        ...(r.pidsLimit ? { pids: { limit: r.pidsLimit } } : {}),
      },
      ...(sec ? securityOf(sec) : cfg.privileged ? {} : { maskedPaths: MASKED, readonlyPaths: READONLY }),
      ...(devices.length ? { devices } : {}),
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
  };
}
