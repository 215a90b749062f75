// The scheduler's names for the shared API vocabulary (src/api/core): objects come from the API as
// JSON and may carry anything, so every accessor tolerates missing or malformed fields.

import type { KObject } from '../api/kind.js';

export type { Container, Node, Pod, PodAffinityTerm, PodSpec, TopologySpreadConstraint, WeightedPodAffinityTerm } from '../api/core/index.js';
export type { LabelSelectorObject as LabelSelector } from '../api/labels.js';
export type { Taint, Toleration } from '../api/scheduling/tolerations.js';
export type { NodeSelectorRequirement, NodeSelectorTerm } from '../api/scheduling/node-selector.js';

export const podKey = (p: KObject) => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;
export const asArray = <T>(v: T[] | undefined | null | unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
