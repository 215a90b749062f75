// Builders of pods, nodes and NodeInfos for the scheduler's unit tests: plain objects as the API
// would return them, so tests feed plugins the same shapes the informers do.

import { SchedulerCache } from './cache.js';
import { NodeInfo } from './node-info.js';
import { podInfo, type PodInfo } from './pod-info.js';
import type { Node, Pod, PodSpec, Taint } from './types.js';

let seq = 0;

export function makePod(name: string, o: { ns?: string; cpu?: string; memory?: string; labels?: Record<string, string>; priority?: number; created?: string; spec?: PodSpec; nodeName?: string } = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.ns ?? 'default', uid: `uid-${name}-${seq++}`, labels: o.labels, creationTimestamp: o.created ?? '2026-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'c', resources: { requests } }], priority: o.priority, nodeName: o.nodeName, ...(o.spec ?? {}) },
  };
}

export function makeNode(name: string, o: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; extra?: Record<string, string> } = {}): Node {
  const alloc = { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110', ...(o.extra ?? {}) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(o.labels ?? {}) } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { allocatable: alloc, capacity: alloc },
  };
}

export function nodeInfo(node: Node, pods: Pod[] = []): NodeInfo {
  const ni = new NodeInfo(node);
  for (const p of pods) ni.addPod(podInfo(p));
  return ni;
}

/** A cache holding these nodes and the pods bound to them (by spec.nodeName). */
export function cacheOf(nodes: Node[], pods: Pod[] = []): SchedulerCache {
  const c = new SchedulerCache();
  for (const n of nodes) c.addOrUpdateNode(n);
  for (const p of pods) c.addOrUpdatePod(p);
  return c;
}

export const info = (p: Pod): PodInfo => podInfo(p);
