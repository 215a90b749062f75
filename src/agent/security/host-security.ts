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
 * Why a pod with hostUsers: false cannot run on this node, or undefined when it can. It runs in a
 * user namespace with runc only (runtime/userns.ts: its own range, namespaces owned by it, the rootfs
 * and volumes shifted), when the kernel allows user namespaces; the process runtime has no namespaces.
 */
export function userNamespaceRefusal(runtime: string, hasRanges: boolean): string | undefined {
  const max = Number(read('/proc/sys/user/max_user_namespaces') || '0');
  if (!max) return 'user namespaces are disabled on this node (/proc/sys/user/max_user_namespaces is 0)';
  if (runtime !== 'runc' || !hasRanges) return `user namespaces (hostUsers: false) are not supported by this node's runtime (${runtime})`;
  return undefined;
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
