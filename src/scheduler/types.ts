// The slices of Pod and Node the scheduler reads, typed loosely: objects come from the API as JSON and
// may carry anything, so every accessor tolerates missing or malformed fields.

import type { KObject } from '../api/kind.js';

export type { Taint, Toleration } from '../api/scheduling/tolerations.js';
export type { NodeSelectorRequirement, NodeSelectorTerm } from '../api/scheduling/node-selector.js';
import type { Taint, Toleration } from '../api/scheduling/tolerations.js';
import type { NodeSelectorTerm } from '../api/scheduling/node-selector.js';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface PodAffinityTerm {
  labelSelector?: LabelSelector | null;
  namespaces?: string[];
  namespaceSelector?: LabelSelector | null;
  topologyKey: string;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}

export interface WeightedPodAffinityTerm {
  weight: number;
  podAffinityTerm: PodAffinityTerm;
}

export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector?: LabelSelector | null;
  minDomains?: number;
  nodeAffinityPolicy?: string;
  nodeTaintsPolicy?: string;
  matchLabelKeys?: string[];
}

export interface Container {
  name?: string;
  restartPolicy?: string;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}

export interface PodSpec {
  nodeName?: string;
  schedulerName?: string;
  nodeSelector?: Record<string, string>;
  priority?: number;
  preemptionPolicy?: string;
  containers?: Container[];
  initContainers?: Container[];
  overhead?: Record<string, string | number>;
  tolerations?: Toleration[];
  /** Read by the volume plugins through volumes/claims.ts, never directly. */
  volumes?: unknown[];
  topologySpreadConstraints?: TopologySpreadConstraint[];
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
      preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[];
    };
    podAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[]; preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[] };
    podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[]; preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[] };
  };
}

export type Pod = KObject & { spec?: PodSpec; status?: { phase?: string; nominatedNodeName?: string; conditions?: { type: string; status: string }[] } };

export type Node = KObject & {
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: { allocatable?: Record<string, string | number>; capacity?: Record<string, string | number> };
};

export const podKey = (p: KObject) => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
export const asArray = <T>(v: T[] | undefined | null | unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
