// The core/v1 Endpoints of a Service: addresses of ready pods and notReadyAddresses of the rest,
// grouped into subsets by the ports they serve (Kubernetes' RepackSubsets), sorted for stable writes.

import type { KObject } from '../../api/kind.js';
import { belongsInEndpoints, hostnameFor, isHeadless, isPodReady, podIP, podSpec, resolvePort, selects, specOf, targetRefOf } from '../util/endpoint-pods.js';

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: string; namespace: string; name: string; uid: string };
}
export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}
export interface Subset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** Kubernetes caps an Endpoints object at 1000 addresses (and says so in an annotation). */
export const MAX_ENDPOINT_ADDRESSES = 1000;

export function desiredSubsets(svc: KObject, pods: KObject[]): { subsets: Subset[]; truncated: boolean } {
  const spec = specOf(svc);
  const publishNotReady = !!spec.publishNotReadyAddresses;
  const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    // Terminating pods leave Endpoints at once unless not-ready addresses are published.
    if (!selects(svc, pod) || !belongsInEndpoints(pod, publishNotReady)) continue;
    const nodeName = podSpec(pod).nodeName;
    const hostname = hostnameFor(pod, svc);
    const addr: EndpointAddress = { ip: podIP(pod)!, ...(hostname ? { hostname } : {}), ...(nodeName ? { nodeName } : {}), targetRef: targetRefOf(pod) };
    const ports: EndpointPort[] = [];
    for (const sp of spec.ports ?? []) {
      const port = resolvePort(pod, sp);
      if (port === undefined) continue;
      ports.push({ ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    // A pod serving none of the ports is listed only by a headless service without ports.
    if (ports.length === 0 && !((spec.ports ?? []).length === 0 && isHeadless(svc))) continue;
    ports.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port);
    const key = JSON.stringify(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, ready: [], notReady: [] }));
    (publishNotReady || isPodReady(pod) ? g.ready : g.notReady).push(addr);
  }
  let budget = MAX_ENDPOINT_ADDRESSES;
  let truncated = false;
  const subsets: Subset[] = [];
  const byIP = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip, undefined, { numeric: true }) || a.targetRef.uid.localeCompare(b.targetRef.uid);
  for (const [, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const take = (list: EndpointAddress[]) => {
      list.sort(byIP);
      if (list.length > budget) truncated = true;
      const out = list.slice(0, Math.max(0, budget));
      budget -= out.length;
      return out;
    };
    const ready = take(g.ready);
    const notReady = take(g.notReady);
    if (!ready.length && !notReady.length) continue;
    subsets.push({ ...(ready.length ? { addresses: ready } : {}), ...(notReady.length ? { notReadyAddresses: notReady } : {}), ...(g.ports.length ? { ports: g.ports } : {}) });
  }
  return { subsets, truncated };
}
