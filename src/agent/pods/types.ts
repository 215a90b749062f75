// The node agent's names for the API's Pod shapes: the one vocabulary of src/api/core (a pod as the
// API server serves it, StoredPod: named, with a uid and containers with images), re-exported under
// the names the agent's code uses.

import type { StoredPod } from '../../api/core/index.js';

export type { ContainerState, ContainerStatus, DownwardAPIVolumeFile as DownwardItem, EnvVar, PodCondition, PodStatus, Probe, ProjectedSource, SeccompProfile, StoredContainer as Container, StoredPod as Pod, Volume } from '../../api/core/index.js';
export type PodSpec = StoredPod['spec'];
export { rfc3339 as nowTime } from '../../util/time.js';
