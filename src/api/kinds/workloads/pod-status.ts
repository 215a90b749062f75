// PodStatus: what the node agent and scheduler report about a pod: phase, conditions, IPs and the
// state of every container.

import type { Pod } from '../../core/index.js';
import { rfc3339 } from '../../../util/time.js';
import { conditionsOf } from '../../meta.js';
import { bool, int32, int64, listOf, mapList, str, struct, time } from '../../schema.js';
import { coreName as core, keyedList, resourceList, resourceRequirements } from './refs.js';

export const containerStateWaiting = struct(core('ContainerStateWaiting'), 'A container not running yet.', {
  reason: str('Why it is waiting, e.g. ContainerCreating, ImagePullBackOff, CrashLoopBackOff.'),
  message: str('Details.'),
});

export const containerStateRunning = struct(core('ContainerStateRunning'), 'A running container.', {
  startedAt: time('When the container last (re)started.'),
});

export const containerStateTerminated = struct(
  core('ContainerStateTerminated'),
  'A container that has exited.',
  {
    exitCode: int32('Exit status.'),
    signal: int32('Signal that ended it, if any.'),
    reason: str('Why it ended, e.g. Completed, Error, OOMKilled.'),
    message: str('Details, e.g. the termination message.'),
    startedAt: time('When that run started.'),
    finishedAt: time('When it ended.'),
    containerID: str('Runtime container ID as <type>://<id>.'),
  },
  { required: ['exitCode'] },
);

export const containerState = struct(core('ContainerState'), "A container's state; at most one member is set (waiting when none).", {
  waiting: containerStateWaiting,
  running: containerStateRunning,
  terminated: containerStateTerminated,
});

export const volumeMountStatus = struct(
  core('VolumeMountStatus'),
  'How a volume mount was actually made.',
  {
    name: str('Name of the volume mount.'),
    mountPath: str('Mount path.'),
    readOnly: bool('Mounted read-only.'),
    recursiveReadOnly: str('Disabled or Enabled, as the mount turned out.'),
  },
  { required: ['name', 'mountPath'] },
);

export const linuxContainerUser = struct(
  core('LinuxContainerUser'),
  "The Linux identity of a container's first process.",
  {
    uid: int64('Primary UID.'),
    gid: int64('Primary GID.'),
    supplementalGroups: listOf(int64(), 'Supplementary groups.'),
  },
  { required: ['uid', 'gid'] },
);

export const containerUser = struct(core('ContainerUser'), "The identity a container's first process runs with.", {
  linux: linuxContainerUser,
});

export const resourceHealth = struct(
  core('ResourceHealth'),
  'Health of one allocated device.',
  {
    resourceID: str('Device ID.'),
    health: str('Healthy, Unhealthy or Unknown.'),
  },
  { required: ['resourceID'] },
);

export const resourceStatus = struct(
  core('ResourceStatus'),
  'Health of the devices behind one resource of a container.',
  {
    name: str('Resource name (a device plugin resource or claim:<claim>/<request>).'),
    resources: keyedList(resourceHealth, ['resourceID'], 'Per-device health.'),
  },
  { required: ['name'] },
);

export const containerStatus = struct(
  core('ContainerStatus'),
  'The observed state of one container.',
  {
    name: str('Container name.'),
    state: containerState,
    lastState: containerState,
    ready: bool('Whether the container passes its readiness probe.'),
    restartCount: int32('How often the container has restarted.'),
    image: str('Image the container runs.'),
    imageID: str('ID (digest) of the image.'),
    containerID: str('Runtime container ID as <type>://<id>.'),
    started: bool('Whether postStart and the startup probe have completed.'),
    allocatedResources: resourceList('Resources the node allocated to the container.'),
    resources: resourceRequirements,
    volumeMounts: mapList(volumeMountStatus, 'mountPath', 'Status of the volume mounts.'),
    user: containerUser,
    allocatedResourcesStatus: mapList(resourceStatus, 'name', "Health of the container's allocated resources."),
  },
  { required: ['name', 'ready', 'restartCount', 'image', 'imageID'] },
);

export const podCondition = struct(
  core('PodCondition'),
  "One aspect of the pod's state: PodScheduled, Initialized, ContainersReady, Ready...",
  {
    type: str('Condition type.'),
    status: str('True, False or Unknown.'),
    lastProbeTime: time('Last time the condition was checked.'),
    lastTransitionTime: time('Last time the status changed.'),
    reason: str('Machine-readable reason for the last transition.'),
    message: str('Human-readable details.'),
  },
  { required: ['type', 'status'] },
);

export const podIP = struct(core('PodIP'), 'An IP address of the pod.', { ip: str('The address.') }, { required: ['ip'] });
export const hostIP = struct(core('HostIP'), "An IP address of the pod's node.", { ip: str('The address.') }, { required: ['ip'] });

export const podResourceClaimStatus = struct(
  core('PodResourceClaimStatus'),
  "The ResourceClaim generated for one of the pod's claim templates.",
  {
    name: str('Name of the entry in spec.resourceClaims.'),
    resourceClaimName: str('Generated ResourceClaim; empty when none was needed.'),
  },
  { required: ['name'] },
);

export const podStatus = struct(core('PodStatus'), 'Observed state of a pod; may lag behind reality.', {
  phase: str('Pending, Running, Succeeded, Failed or Unknown.'),
  conditions: conditionsOf(podCondition, 'Current conditions of the pod.'),
  message: str('Why the pod is in this state.'),
  reason: str('Brief CamelCase reason, e.g. Evicted.'),
  nominatedNodeName: str('Node the pod is expected to run on after preempting others.'),
  hostIP: str('Primary IP of the node.'),
  hostIPs: listOf(hostIP, 'IPs of the node; the first equals hostIP.', { patchMergeKey: 'ip', patchStrategy: 'merge' }),
  podIP: str('Primary IP of the pod.'),
  podIPs: mapList(podIP, 'ip', 'IPs of the pod (one per family); the first equals podIP.'),
  startTime: time('When the node agent accepted the pod.'),
  initContainerStatuses: listOf(containerStatus, 'One entry per init container.'),
  containerStatuses: listOf(containerStatus, 'One entry per app container.'),
  qosClass: str('Quality of service class: Guaranteed, Burstable or BestEffort.'),
  ephemeralContainerStatuses: listOf(containerStatus, 'One entry per ephemeral container that has run.'),
  resize: str('State of a pending in-place resize: Proposed, InProgress, Deferred or Infeasible.'),
  resourceClaimStatuses: mapList(podResourceClaimStatus, 'name', 'Generated ResourceClaims.', ['name'], { patchStrategy: 'merge,retainKeys' }),
});

/** The message Kubernetes' pod strategy gives the PodScheduled=False condition of a gated pod. */
export const SCHEDULING_GATED_MESSAGE = 'Scheduling is blocked due to non-empty scheduling gates';

/**
 * A new pod's status, as Kubernetes' pod strategy sets it on create: Pending and, while scheduling
 * gates hold it back, PodScheduled=False with reason SchedulingGated (what `kubectl get` shows).
 */
export function initialPodStatus(pod: { [field: string]: unknown }): Record<string, unknown> {
  const spec = (pod as Pod).spec;
  const gated = Array.isArray(spec?.schedulingGates) && spec.schedulingGates.length > 0;
  if (!gated) return { phase: 'Pending' };
  return { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(), reason: 'SchedulingGated', message: SCHEDULING_GATED_MESSAGE }] };
}
