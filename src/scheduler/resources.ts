// Resource amounts as plain numbers: cpu in millicores, everything else (memory, ephemeral-storage,
// pods, extended resources) in its base unit. Pod requests follow Kubernetes' rule: the sum of the
// app containers (plus sidecars), or the largest init container if that is more, plus overhead.

import { parseQuantity } from '../api/quantity.js';
import { effectivePodAmounts, isSidecar, type AmountMath } from '../api/sidecars.js';
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

const requestsOf = (c: Container) => new Map(Object.entries(resourceList(c?.resources?.requests)));
const numbers: AmountMath<number> = { add: (a, b) => a + b, less: (a, b) => a < b };

/** The pod's effective requests (kube's computePodResourceRequest): the shared sidecar-aware rule (api/sidecars.ts), plus overhead. */
export function podRequests(pod: Pod): Resources {
  const spec = pod.spec ?? {};
  const inits = asArray<Container>(spec.initContainers).map((c) => ({ amounts: requestsOf(c), sidecar: isSidecar(c) }));
  const reqs: Resources = Object.fromEntries(effectivePodAmounts(asArray<Container>(spec.containers).map(requestsOf), inits, numbers));
  addTo(reqs, resourceList(spec.overhead));
  return reqs;
}

/** Requests with the scoring defaults for cpu and memory when a pod asks for none. */
export function nonZeroRequests(reqs: Resources): { cpu: number; memory: number } {
  return { cpu: reqs.cpu || DEFAULT_MILLI_CPU_REQUEST, memory: reqs.memory || DEFAULT_MEMORY_REQUEST };
}
