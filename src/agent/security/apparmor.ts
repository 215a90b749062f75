// The kubelet's AppArmor admission: a pod that asks for any profile other than Unconfined (in a
// field, or in a deprecated annotation the API server did not mirror) needs AppArmor on the host.
// On a host without it the pod is refused at once, failed with reason AppArmor, as the kubelet
// does; RuntimeDefault included, since it also names a profile the host cannot apply.

import { readFileSync } from 'node:fs';
import type { Pod } from '../pods/types.js';

const ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

/** Whether any container of the pod asks for a profile other than Unconfined. */
export function appArmorRequired(pod: Pod): boolean {
  const confined = (p: { type?: string } | undefined) => p !== undefined && p !== null && p.type !== 'Unconfined';
  if (confined(pod.spec.securityContext?.appArmorProfile)) return true;
  const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers, ...(pod.spec.ephemeralContainers ?? [])];
  if (all.some((c) => confined(c.securityContext?.appArmorProfile))) return true;
  for (const [k, v] of Object.entries(pod.metadata.annotations ?? {})) if (k.startsWith(ANNOTATION_PREFIX) && v !== 'unconfined') return true;
  return false;
}

/** The kernel's own switch, as the kubelet reads it. */
export function hostAppArmorEnabled(read: (p: string) => string = (p) => readFileSync(p, 'utf8')): boolean {
  try {
    return read('/sys/module/apparmor/parameters/enabled').startsWith('Y');
  } catch {
    return false;
  }
}

/** The kubelet's refusal message, or undefined when the pod may be admitted. */
export function appArmorRefusal(pod: Pod, hostEnabled: boolean): string | undefined {
  if (hostEnabled || !appArmorRequired(pod)) return undefined;
  return 'Cannot enforce AppArmor: AppArmor is not enabled on the host';
}
