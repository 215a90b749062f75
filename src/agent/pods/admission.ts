// The kubelet's admission of a pod to this node: what it must refuse before anything is set up (a
// forbidden sysctl, a volume a user-namespaced pod cannot use, an AppArmor profile on a host without
// AppArmor). A refused pod fails at once with the kubelet's reason.

import { appArmorRefusal } from '../security/apparmor.js';
import { forbiddenSysctl } from '../security/sysctls.js';
import { userNsVolumeRefusal } from '../security/userns-ranges.js';
import type { Pod } from './types.js';

export interface PodRefusal {
  /** The pod status' reason, and the event's. */
  reason: string;
  /** The event's message (the status says "Pod was rejected: " before it). */
  detail: string;
}

/** Why this node refuses the pod, or undefined when it admits it. appArmorEnabled: the host's AppArmor. */
export function podRefusal(pod: Pod, appArmorEnabled: boolean): PodRefusal | undefined {
  const forbidden = forbiddenSysctl(pod.spec.securityContext?.sysctls ?? [], pod.spec);
  if (forbidden) return { reason: 'SysctlForbidden', detail: forbidden };
  // hostUsers: false: only volumes the agent makes itself can be shifted to the pod's range; any
  // other would be unusable (or, shifted, changed for everyone else), so the pod is refused.
  const userNsVolume = pod.spec.hostUsers === false ? userNsVolumeRefusal(pod.spec.volumes ?? []) : undefined;
  if (userNsVolume) return { reason: 'UserNamespaceVolume', detail: userNsVolume };
  const appArmor = appArmorRefusal(pod, appArmorEnabled);
  if (appArmor) return { reason: 'AppArmor', detail: appArmor };
  return undefined;
}
