// Linux capabilities as containerd gives them to Kubernetes containers: its default set, then the
// container's add/drop ("ALL" first, then single names), all within what this host actually has.
// The host's bounding set matters: a kernel (or a parent container) may lack some capabilities, and
// asking runc for one the agent itself does not hold makes the container fail to start.

import { readFileSync } from 'node:fs';

/** Capability numbers as the kernel defines them (include/uapi/linux/capability.h). */
export const CAP_NAMES = [
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
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

/** containerd's (and Docker's) default set for unprivileged containers. */
export const DEFAULT_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

/** Capability names in a /proc/<pid>/status mask ("000001fffeffffff"). */
export function capsFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim() || '0'}`);
  return CAP_NAMES.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

let hostCapsCache: string[] | undefined;
/** The agent's bounding set: every capability a container on this host can possibly get. */
export function hostCapabilities(): string[] {
  if (!hostCapsCache) {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    hostCapsCache = m ? capsFromMask(m[1]) : [...DEFAULT_CAPS];
  }
  return hostCapsCache;
}

/** "net_admin", "NET_ADMIN" or "CAP_NET_ADMIN" -> "CAP_NET_ADMIN"; "ALL" stays. */
export function capName(c: string): string {
  const u = c.trim().toUpperCase();
  return u === 'ALL' ? 'ALL' : u.startsWith('CAP_') ? u : `CAP_${u}`;
}

/**
 * The container's capability set. Throws with a user-facing message for a name the kernel does not
 * know or one this host cannot grant: silently dropping it would run the program without what it asked for.
 */
export function containerCapabilities(opts: { privileged: boolean; add: string[]; drop: string[] }, host: string[]): string[] {
  if (opts.privileged) return [...host];
  const add = opts.add.map(capName);
  const drop = opts.drop.map(capName);
  for (const c of [...add, ...drop]) {
    if (c !== 'ALL' && !CAP_NAMES.includes(c)) throw new Error(`unknown capability "${c}"`);
  }
  const missing = add.filter((c) => c !== 'ALL' && !host.includes(c));
  if (missing.length) throw new Error(`capabilities ${missing.join(', ')} cannot be added: this node's bounding set does not have them`);
  let caps = DEFAULT_CAPS.filter((c) => host.includes(c));
  if (add.includes('ALL')) caps = [...host];
  if (drop.includes('ALL')) caps = [];
  caps = [...new Set([...caps, ...add.filter((c) => c !== 'ALL')])];
  return CAP_NAMES.filter((c) => caps.includes(c) && !drop.includes(c));
}
