// Pod sysctls as the kubelet admits them: the safe set (namespaced, and unable to affect other pods
// or the node) is allowed; any other name is refused with SysctlForbidden, as a kubelet started
// without --allowed-unsafe-sysctls does. A sysctl of a namespace the pod shares with the host
// (net.* with hostNetwork, kernel.shm*/msg*/sem with hostIPC) would change the node itself: refused too.

/** The kubelet's safe sysctls (Kubernetes 1.32). */
export const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);

/** The namespace a sysctl belongs to, or undefined when it is not namespaced (node-wide). */
export function sysctlNamespace(name: string): 'ipc' | 'net' | undefined {
  if (name.startsWith('net.')) return 'net';
  if (['kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'].includes(name) || name.startsWith('kernel.msg') || name.startsWith('fs.mqueue.')) return 'ipc';
  return undefined;
}

/** "net/ipv4/tcp_syncookies" is the same sysctl as "net.ipv4.tcp_syncookies". */
export const normalizeSysctl = (name: string) => (name.includes('/') ? name.replace(/\./g, '\0').replace(/\//g, '.').replace(/\0/g, '/') : name);

/** The kubelet's admission message for the first forbidden sysctl, or undefined when all may be set. */
export function forbiddenSysctl(sysctls: { name: string; value: string }[], pod: { hostNetwork?: boolean; hostIPC?: boolean }): string | undefined {
  for (const s of sysctls) {
    const name = normalizeSysctl(s.name);
    if (!SAFE_SYSCTLS.has(name)) return `forbidden sysctl: "${s.name}" not allowlisted`;
    const ns = sysctlNamespace(name);
    if (ns === 'net' && pod.hostNetwork) return `forbidden sysctl: "${s.name}" not allowed with host net enabled`;
    if (ns === 'ipc' && pod.hostIPC) return `forbidden sysctl: "${s.name}" not allowed with host ipc enabled`;
    if (/[\n\0]/.test(s.value)) return `forbidden sysctl: "${s.name}" has an invalid value`;
  }
  return undefined;
}
