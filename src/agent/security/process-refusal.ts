// The process runtime runs containers as plain host processes of the agent: it cannot change their
// user, capabilities, seccomp filter, root filesystem or namespaces. A pod asking for any of that
// is refused with the list of what cannot be enforced, never run without it.

import type { Container, Pod } from '../pods/types.js';

/** What this container asks for that the process runtime cannot enforce; empty when nothing. */
export function unenforceableByProcessRuntime(pod: Pod, c: Container): string[] {
  const out: string[] = [];
  const sc = c.securityContext ?? {};
  const psc = pod.spec.securityContext ?? {};
  const set = (v: unknown) => v !== undefined && v !== null;
  if (set(sc.runAsUser) || set(psc.runAsUser)) out.push('runAsUser');
  if (set(sc.runAsGroup) || set(psc.runAsGroup)) out.push('runAsGroup');
  if (sc.runAsNonRoot || psc.runAsNonRoot) out.push('runAsNonRoot');
  if (set(psc.fsGroup)) out.push('fsGroup');
  if (psc.supplementalGroups?.length) out.push('supplementalGroups');
  if (psc.sysctls?.length) out.push('sysctls');
  if (sc.privileged) out.push('privileged');
  if (sc.readOnlyRootFilesystem) out.push('readOnlyRootFilesystem');
  if (sc.allowPrivilegeEscalation === false) out.push('allowPrivilegeEscalation: false');
  if (sc.capabilities?.add?.length || sc.capabilities?.drop?.length) out.push('capabilities');
  const seccomp = sc.seccompProfile ?? psc.seccompProfile;
  if (seccomp && seccomp.type !== 'Unconfined') out.push(`seccompProfile ${seccomp.type}`);
  const apparmor = sc.appArmorProfile ?? psc.appArmorProfile;
  if (apparmor && apparmor.type !== 'Unconfined') out.push(`appArmorProfile ${apparmor.type}`);
  if (pod.spec.hostUsers === false) out.push('hostUsers: false');
  // No device nodes of its own: a raw block volume would not be where the container looks.
  if (c.volumeDevices?.length) out.push('volumeDevices');
  return out;
}
