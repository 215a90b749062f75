// The shared vocabulary of core objects: import these types rather than declaring a Pod, Service
// or Node of your own (a slice is Pick<> of them). Well-known label, annotation and taint keys are
// in ../well-known.ts; timestamps are formatted by src/util/time.ts.

export type * from './pod.js';
export type * from './service.js';
export type * from './node.js';
export type * from './job.js';
export type * from './namespace.js';
export type * from './object.js';
export type { Taint, Toleration } from '../scheduling/tolerations.js';
export type { NodeSelectorRequirement, NodeSelectorTerm } from '../scheduling/node-selector.js';
