// Security settings for a container (SecurityContext) and for the whole pod (PodSecurityContext).
// Container settings override the pod's where both exist.

import { bool, enumOf, int64, listOf, str, struct } from '../../schema.js';
import { coreName as core } from './refs.js';

export const capabilities = struct(core('Capabilities'), "POSIX capabilities to add to or drop from the container's default set.", {
  add: listOf(str(), 'Capabilities to add, e.g. NET_ADMIN.'),
  drop: listOf(str(), 'Capabilities to drop, e.g. ALL.'),
});

export const seLinuxOptions = struct(core('SELinuxOptions'), 'An SELinux label to apply.', {
  user: str('SELinux user.'),
  role: str('SELinux role.'),
  type: str('SELinux type.'),
  level: str('SELinux level.'),
});

export const windowsSecurityContextOptions = struct(core('WindowsSecurityContextOptions'), 'Windows-only settings.', {
  gmsaCredentialSpecName: str('Name of the GMSA credential spec to use.'),
  gmsaCredentialSpec: str('Inlined GMSA credential spec content.'),
  runAsUserName: str('User name to run the entrypoint as.'),
  hostProcess: bool('Run as a Windows HostProcess container.'),
});

const profileTypes = ['Localhost', 'RuntimeDefault', 'Unconfined'];

export const seccompProfile = struct(
  core('SeccompProfile'),
  'Which seccomp profile to apply.',
  {
    type: enumOf(profileTypes, 'Localhost (a file on the node), RuntimeDefault or Unconfined.'),
    localhostProfile: str("Path of the profile relative to the kubelet's seccomp directory; only for Localhost."),
  },
  { required: ['type'] },
);

export const appArmorProfile = struct(
  core('AppArmorProfile'),
  'Which AppArmor profile to apply.',
  {
    type: enumOf(profileTypes, 'Localhost (a profile loaded on the node), RuntimeDefault or Unconfined.'),
    localhostProfile: str('Name of the loaded profile; only for Localhost.'),
  },
  { required: ['type'] },
);

export const securityContext = struct(core('SecurityContext'), "Security options of one container; they override the pod's securityContext.", {
  capabilities: capabilities,
  privileged: bool('Run as privileged: root on the host in all but name.'),
  seLinuxOptions: seLinuxOptions,
  windowsOptions: windowsSecurityContextOptions,
  runAsUser: int64('UID to run the entrypoint as.'),
  runAsGroup: int64('GID to run the entrypoint as.'),
  runAsNonRoot: bool('Refuse to start if the image would run as UID 0.'),
  readOnlyRootFilesystem: bool("Mount the container's root filesystem read-only."),
  allowPrivilegeEscalation: bool('Whether a process may gain more privileges than its parent (no_new_privs).'),
  procMount: enumOf(['Default', 'Unmasked'], 'How /proc is mounted: Default masks paths, Unmasked does not.'),
  seccompProfile: seccompProfile,
  appArmorProfile: appArmorProfile,
});

export const sysctl = struct(
  core('Sysctl'),
  "A kernel parameter to set in the pod's namespaces.",
  {
    name: str('Parameter name, e.g. net.core.somaxconn.'),
    value: str('Value to set.'),
  },
  { required: ['name', 'value'] },
);

export const podSecurityContext = struct(core('PodSecurityContext'), 'Security settings for every container of the pod, and for its volumes.', {
  seLinuxOptions: seLinuxOptions,
  windowsOptions: windowsSecurityContextOptions,
  runAsUser: int64('UID to run container entrypoints as.'),
  runAsGroup: int64('GID to run container entrypoints as.'),
  runAsNonRoot: bool('Refuse to start containers whose image would run as UID 0.'),
  supplementalGroups: listOf(int64(), 'Extra groups for the first process of each container.'),
  supplementalGroupsPolicy: enumOf(['Merge', 'Strict'], 'Whether image-defined groups are kept (Merge) or replaced (Strict).'),
  fsGroup: int64('Group that owns supported volumes; new files get it too.'),
  sysctls: listOf(sysctl, 'Namespaced kernel parameters for the pod.'),
  fsGroupChangePolicy: enumOf(['OnRootMismatch', 'Always'], 'When volume ownership is changed to fsGroup.'),
  seccompProfile: seccompProfile,
  appArmorProfile: appArmorProfile,
  seLinuxChangePolicy: str('How SELinux labels reach volumes: Recursive (relabel files) or MountOption.'),
});
