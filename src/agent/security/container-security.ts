// From a pod's and a container's securityContext to what the runtime enforces, the way the kubelet
// and containerd decide it: runAsNonRoot against the user the container would really run as,
// capabilities within the host's, no_new_privs only when allowPrivilegeEscalation is false, seccomp
// (container profile over the pod's; none for privileged containers), containerd's masked and
// read-only /proc and /sys paths, sysctls, host PID/IPC namespaces and, for privileged containers,
// the host's devices. Whatever cannot be enforced throws a SecurityError: the container waits
// with its reason and message instead of running with less isolation than it asked for.

import type { SecuritySettings } from '../runtime/types.js';
import type { Container, Pod, SeccompProfile } from '../pods/types.js';
import { containerCapabilities } from './capabilities.js';
import { defaultProfile, loadLocalhostProfile } from './seccomp.js';
import { normalizeSysctl } from './sysctls.js';
import type { OciDevice } from './devices.js';

/** The kubelet's and containerd's masked paths: kernel state a container must not read (per-CPU thermal_throttle dirs come from the host). */
export const MASKED_PATHS = ['/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap'];
/** containerd's read-only paths: kernel knobs a container may read but not change. */
export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

export class SecurityError extends Error {
  constructor(
    message: string,
    readonly reason: 'CreateContainerConfigError' | 'CreateContainerError' = 'CreateContainerError',
  ) {
    super(message);
  }
}

/** What the agent knows about its host; functions so tests can fake them and so nothing is read unless needed. */
export interface HostSecurity {
  capabilities: string[];
  devices: () => OciDevice[];
  /** The Localhost profile root (DATA/seccomp). */
  seccompRoot: string;
  appArmor: boolean;
  seLinux: boolean;
  /** Host-specific paths to mask too (/sys/devices/system/cpu/cpuN/thermal_throttle). */
  maskedPaths: string[];
}

const podRef = (pod: Pod) => `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;

/**
 * The kubelet's runAsNonRoot check, on the uid the container will run as: refused when it is 0, or
 * when the image names its user (a name could be root: it cannot be verified without running it).
 */
export function checkRunAsNonRoot(pod: Pod, c: Container, imageUser: string | undefined, uid: number): void {
  const sc = c.securityContext ?? {};
  const psc = pod.spec.securityContext ?? {};
  if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) return;
  const explicit = sc.runAsUser ?? psc.runAsUser;
  if (explicit === 0) throw new SecurityError(`container's runAsUser breaks non-root policy (pod: "${podRef(pod)}", container: ${c.name})`, 'CreateContainerConfigError');
  if (explicit !== undefined) return;
  const user = (imageUser ?? '').split(':')[0];
  if (user && !/^\d+$/.test(user)) throw new SecurityError(`container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root (pod: "${podRef(pod)}", container: ${c.name})`, 'CreateContainerConfigError');
  if (uid === 0) throw new SecurityError(`container has runAsNonRoot and image will run as root (pod: "${podRef(pod)}", container: ${c.name})`, 'CreateContainerConfigError');
}

export function seccompFor(pod: Pod, c: Container, privileged: boolean, caps: string[], host: HostSecurity): object | undefined {
  const own = c.securityContext?.seccompProfile;
  if (privileged) {
    // containerd runs privileged containers without a filter; an explicit profile cannot be honoured.
    if (own && own.type !== 'Unconfined') throw new SecurityError(`container ${c.name} is privileged and asks for seccomp profile ${own.type}: privileged containers run without seccomp; remove one of them`);
    return undefined;
  }
  const p: SeccompProfile | undefined = own ?? pod.spec.securityContext?.seccompProfile;
  switch (p?.type) {
    case undefined:
    case 'Unconfined':
      return undefined;
    case 'RuntimeDefault':
      return defaultProfile(caps);
    case 'Localhost':
      try {
        return loadLocalhostProfile(host.seccompRoot, p.localhostProfile ?? '');
      } catch (e) {
        throw new SecurityError((e as Error).message);
      }
    default:
      throw new SecurityError(`unknown seccomp profile type "${p!.type}"`);
  }
}

/** Everything the runtime needs to isolate container c of pod as asked. */
export function containerSecurity(pod: Pod, c: Container, host: HostSecurity): SecuritySettings {
  const sc = c.securityContext ?? {};
  const privileged = !!sc.privileged;
  if (privileged && sc.allowPrivilegeEscalation === false) throw new SecurityError('cannot set allowPrivilegeEscalation to false and privileged to true', 'CreateContainerConfigError');
  let caps: string[];
  try {
    caps = containerCapabilities({ privileged, add: sc.capabilities?.add ?? [], drop: sc.capabilities?.drop ?? [] }, host.capabilities);
  } catch (e) {
    throw new SecurityError((e as Error).message);
  }
  const appArmor = sc.appArmorProfile ?? pod.spec.securityContext?.appArmorProfile;
  if (appArmor && appArmor.type !== 'Unconfined') {
    throw new SecurityError(`AppArmor profile ${appArmor.type} cannot be enforced: ${host.appArmor ? 'this node does not apply AppArmor profiles to containers' : 'AppArmor is not enabled on this node'}`);
  }
  // Without SELinux on the host a label means nothing (Kubernetes ignores it too); with it, the label would not be applied.
  const seLinux = sc.seLinuxOptions ?? pod.spec.securityContext?.seLinuxOptions;
  if (seLinux && Object.values(seLinux).some(Boolean) && host.seLinux) throw new SecurityError('seLinuxOptions cannot be enforced: this node does not apply SELinux labels to containers');
  // Kubernetes shares one PID namespace held by the pause container; this node has no such process to hold it.
  if (pod.spec.shareProcessNamespace) throw new SecurityError('shareProcessNamespace is not supported by this node: its containers cannot share a PID namespace', 'CreateContainerConfigError');
  if (sc.procMount && sc.procMount !== 'Default' && sc.procMount !== 'Unmasked') throw new SecurityError(`unknown procMount "${sc.procMount}"`);
  // An unmasked, writable /proc in the host's user namespace lets container root change host-wide
  // kernel settings (core_pattern...): Kubernetes allows it only with hostUsers: false (the pod's own
  // user namespace, runtime/userns.ts, whose root has no power over the host's settings).
  if (sc.procMount === 'Unmasked' && !privileged && pod.spec.hostUsers !== false) throw new SecurityError('procMount Unmasked needs a user namespace (hostUsers: false)', 'CreateContainerConfigError');
  const unmasked = privileged || (sc.procMount === 'Unmasked' && pod.spec.hostUsers === false);
  const sysctls: Record<string, string> = {};
  for (const s of pod.spec.securityContext?.sysctls ?? []) sysctls[normalizeSysctl(s.name)] = s.value;
  return {
    capabilities: caps,
    noNewPrivileges: sc.allowPrivilegeEscalation === false,
    seccomp: seccompFor(pod, c, privileged, caps, host),
    maskedPaths: unmasked ? [] : [...MASKED_PATHS, ...host.maskedPaths],
    readonlyPaths: unmasked ? [] : READONLY_PATHS,
    sysctls,
    hostPID: !!pod.spec.hostPID,
    hostIPC: !!pod.spec.hostIPC,
    devices: privileged ? host.devices() : [],
  };
}
