// The default plugin set, in kube's filter order (cheap, decisive checks first).

import type { Plugin } from '../framework.js';
import { interPodAffinity } from './inter-pod-affinity.js';
import { nodeAffinity } from './node-affinity.js';
import { nodeName } from './node-name.js';
import { nodeResourcesBalancedAllocation, nodeResourcesFit } from './node-resources-fit.js';
import { nodeUnschedulable } from './node-unschedulable.js';
import { podTopologySpread } from './pod-topology-spread.js';
import { taintToleration } from './taint-toleration.js';

export const defaultPlugins = (): Plugin[] => [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodeResourcesFit, nodeResourcesBalancedAllocation, podTopologySpread, interPodAffinity];
