// From the slices a Service has to the slices it should have, with little churn (as Kubernetes'
// reconciler aims for): endpoints stay in the slice they are in, new ones fill slices with room
// before new slices are made, emptied slices go, and a Service with no endpoints keeps one empty
// placeholder slice so that readers can tell "no endpoints" from "not processed yet".

import type { KObject } from '../../api/kind.js';
import { deepEqual } from '../../util/equal.js';
import { type EndpointGroup, portsKey, type SliceEndpoint, type SlicePort } from './desired.js';

export const MAX_ENDPOINTS_PER_SLICE = 100;

type Slice = KObject & { ports?: SlicePort[]; endpoints?: SliceEndpoint[] };

export interface SlicePlan {
  /** New slices: ports and endpoints (metadata is the caller's). */
  create: { ports: SlicePort[]; endpoints: SliceEndpoint[] }[];
  /** Existing slices with new ports/endpoints (metadata such as labels is re-applied by the caller). */
  update: { slice: KObject; ports: SlicePort[]; endpoints: SliceEndpoint[] }[];
  delete: KObject[];
  /** Slices left as they are. */
  keep: KObject[];
}

const endpointKey = (e: SliceEndpoint) => e.targetRef.uid || e.addresses[0];

export function planSlices(existing: KObject[], groups: EndpointGroup[], max = MAX_ENDPOINTS_PER_SLICE): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [], keep: [] };
  const slices = [...existing].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1)) as Slice[];
  const totalEndpoints = groups.reduce((n, g) => n + g.endpoints.length, 0);
  if (totalEndpoints === 0) {
    // One placeholder: no ports, no endpoints.
    const keep = slices.find((s) => (s.endpoints ?? []).length === 0 && (s.ports ?? []).length === 0) ?? slices[0];
    if (keep) {
      if ((keep.endpoints ?? []).length || (keep.ports ?? []).length) plan.update.push({ slice: keep, ports: [], endpoints: [] });
      else plan.keep.push(keep);
    } else plan.create.push({ ports: [], endpoints: [] });
    for (const s of slices) if (s !== keep) plan.delete.push(s);
    return plan;
  }
  const used = new Set<Slice>();
  const leftovers: { g: EndpointGroup; rest: SliceEndpoint[] }[] = [];
  // First every group keeps its endpoints where they are, in slices of its own ports.
  for (const g of groups) {
    const want = new Map(g.endpoints.map((e) => [endpointKey(e), e]));
    const mine = slices.filter((s) => !used.has(s) && (s.endpoints ?? []).length > 0 && portsKey(s.ports ?? []) === g.key);
    const filled: { slice: Slice; endpoints: SliceEndpoint[] }[] = [];
    for (const s of mine) {
      const kept: SliceEndpoint[] = [];
      for (const e of s.endpoints ?? []) {
        const w = want.get(endpointKey(e));
        if (!w || kept.length >= max) continue;
        kept.push(w);
        want.delete(endpointKey(e));
      }
      used.add(s);
      filled.push({ slice: s, endpoints: kept });
    }
    // New endpoints fill slices with room, fullest first (fewer, fuller slices).
    const rest = [...want.values()];
    for (const f of [...filled].sort((a, b) => b.endpoints.length - a.endpoints.length)) {
      while (f.endpoints.length < max && rest.length) f.endpoints.push(rest.shift()!);
    }
    for (const f of filled) {
      if (f.endpoints.length === 0)
        used.delete(f.slice); // free for reuse below, else deleted
      else if (deepEqual(f.endpoints, f.slice.endpoints ?? []) && deepEqual(g.ports, f.slice.ports ?? [])) plan.keep.push(f.slice);
      else plan.update.push({ slice: f.slice, ports: g.ports, endpoints: f.endpoints });
    }
    if (rest.length) leftovers.push({ g, rest });
  }
  // Then what is left goes into slices nobody kept (a placeholder, a slice of old ports) before new ones are made.
  for (const { g, rest } of leftovers) {
    while (rest.length) {
      const endpoints = rest.splice(0, max);
      const spare = slices.find((s) => !used.has(s));
      if (spare) {
        used.add(spare);
        plan.update.push({ slice: spare, ports: g.ports, endpoints });
      } else plan.create.push({ ports: g.ports, endpoints });
    }
  }
  for (const s of slices) if (!used.has(s)) plan.delete.push(s);
  return plan;
}
