// What this host can enforce, read once: its capability bounding set, AppArmor, user namespaces.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostCapabilities } from './capabilities.js';
import type { HostSecurity } from './container-security.js';
import { hostDevices } from './devices.js';

const read = (p: string) => {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return '';
  }
};

export function hostSecurity(dataDir: string): HostSecurity {
  return {
    capabilities: hostCapabilities(),
    devices: () => hostDevices(),
    seccompRoot: join(dataDir, 'seccomp'),
    appArmor: read('/sys/module/apparmor/parameters/enabled') === 'Y',
    seLinux: existsSync('/sys/fs/selinux/enforce'),
    maskedPaths: thermalThrottle(),
  };
}

/**
 * Why pods with hostUsers: false cannot run here. The kernel has user namespaces, but Kubernetes'
 * semantics need more than a uid mapping: the image's files and the volumes must look owned by the
 * container's own root (idmapped mounts, which runc 1.1 cannot make and util-linux 2.38 has no
 * X-mount.idmap for), and the pod's network and IPC namespaces must belong to the pod's user
 * namespace (runc cannot mount sysfs or mqueue in namespaces the host's user namespace owns; tried).
 * So the pod is refused rather than run with files it cannot write or mounts that fail.
 */
export function userNamespaceRefusal(): string {
  const max = Number(read('/proc/sys/user/max_user_namespaces') || '0');
  if (!max) return 'user namespaces are disabled on this node (/proc/sys/user/max_user_namespaces is 0)';
  return 'user namespaces (hostUsers: false) are not supported by this node: its runtime (runc 1.1) cannot give the container idmapped mounts of its image and volumes, and the pod network namespace belongs to the host user namespace';
}

/** Per-CPU thermal throttle controls, masked as the kubelet masks them (they reveal and affect the host's CPUs). */
function thermalThrottle(): string[] {
  let cpus: string[];
  try {
    cpus = readdirSync('/sys/devices/system/cpu').filter((n) => /^cpu\d+$/.test(n));
  } catch {
    return [];
  }
  return cpus.map((n) => `/sys/devices/system/cpu/${n}/thermal_throttle`).filter((p) => existsSync(p));
}
