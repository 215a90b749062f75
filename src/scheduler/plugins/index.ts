// The default plugin set, in kube's filter order (cheap, decisive checks first). The volume plugins
// need the cluster's storage objects: they join when the scheduler hands in its volume listers.

import type { Plugin } from '../framework.js';
import { interPodAffinity } from './inter-pod-affinity.js';
import { nodeAffinity } from './node-affinity.js';
import { nodeName } from './node-name.js';
import { nodeResourcesBalancedAllocation, nodeResourcesFit } from './node-resources-fit.js';
import { nodeUnschedulable } from './node-unschedulable.js';
import { nodeVolumeLimits } from './node-volume-limits.js';
import { podTopologySpread } from './pod-topology-spread.js';
import { taintToleration } from './taint-toleration.js';
import { volumeBinding, type VolumeBindingDeps } from './volume-binding.js';
import { volumeRestrictions } from './volume-restrictions.js';

export const defaultPlugins = (volumes?: VolumeBindingDeps): Plugin[] => [
  nodeUnschedulable,
  nodeName,
  taintToleration,
  nodeAffinity,
  nodeResourcesFit,
  nodeResourcesBalancedAllocation,
  ...(volumes ? [volumeRestrictions(volumes.listers), nodeVolumeLimits(volumes.listers), volumeBinding(volumes)] : []),
  podTopologySpread,
  interPodAffinity,
];
