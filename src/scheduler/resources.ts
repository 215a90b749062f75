// Resource amounts as plain numbers: cpu in millicores, everything else (memory, ephemeral-storage,
// pods, extended resources) in its base unit. Pod requests follow Kubernetes' rule: the sum of the
// app containers (plus sidecars), or the largest init container if that is more, plus overhead.

import { parseQuantity } from '../api/quantity.js';
import { asArray, type Container, type Pod } from './types.js';

export type Resources = Record<string, number>;

/** Kubernetes' defaults for a container that requests nothing, used only for scoring. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** One quantity in scheduler units; a malformed quantity throws an Error naming it. */
export function amount(resource: string, q: string | number): number {
  const v = parseQuantity(q);
  if (!Number.isFinite(v)) throw new Error(`invalid quantity ${JSON.stringify(q)} for ${resource}`);
  return resource === 'cpu' ? Math.ceil(v * 1000 - 1e-9) : Math.ceil(v - 1e-9);
}

export function resourceList(list: Record<string, string | number> | undefined | null): Resources {
  const out: Resources = {};
  if (!list || typeof list !== 'object') return out;
  for (const [k, q] of Object.entries(list)) out[k] = amount(k, q);
  return out;
}

function addTo(into: Resources, r: Resources) {
  for (const [k, v] of Object.entries(r)) into[k] = (into[k] ?? 0) + v;
}

function maxInto(into: Resources, r: Resources) {
  for (const [k, v] of Object.entries(r)) if ((into[k] ?? 0) < v) into[k] = v;
}

const requestsOf = (c: Container) => resourceList(c?.resources?.requests);

/** The pod's effective requests (kube's computePodResourceRequest). */
export function podRequests(pod: Pod): Resources {
  const spec = pod.spec ?? {};
  const reqs: Resources = {};
  for (const c of asArray<Container>(spec.containers)) addTo(reqs, requestsOf(c));
  const sidecars: Resources = {};
  const initMax: Resources = {};
  for (const c of asArray<Container>(spec.initContainers)) {
    const r = requestsOf(c);
    if (c?.restartPolicy === 'Always') {
      // A sidecar keeps running beside everything started after it.
      addTo(sidecars, r);
      maxInto(initMax, sidecars);
    } else {
      const during: Resources = { ...sidecars };
      addTo(during, r);
      maxInto(initMax, during);
    }
  }
  addTo(reqs, sidecars);
  maxInto(reqs, initMax);
  addTo(reqs, resourceList(spec.overhead));
  return reqs;
}

/** Requests with the scoring defaults for cpu and memory when a pod asks for none. */
export function nonZeroRequests(reqs: Resources): { cpu: number; memory: number } {
  return { cpu: reqs.cpu || DEFAULT_MILLI_CPU_REQUEST, memory: reqs.memory || DEFAULT_MEMORY_REQUEST };
}
