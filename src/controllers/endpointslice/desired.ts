// The endpoints a Service should have, grouped by the ports they serve (pods resolve named target
// ports differently, and one slice lists one set of ports), as discovery.k8s.io/v1 endpoints.

import type { KObject } from '../../api/kind.js';
import { LABEL_ZONE } from '../../api/well-known.js';
import { belongsInEndpoints, hostnameFor, isPodReady, isTerminating, podIP, podSpec, resolvePort, selects, specOf, targetRefOf } from '../util/endpoint-pods.js';

export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef: { kind: string; namespace: string; name: string; uid: string };
}

export interface EndpointGroup {
  /** Identity of the port set, to match slices to groups. */
  key: string;
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
}

export const portsKey = (ports: SlicePort[]) => JSON.stringify([...ports].sort((a, b) => (a.name + a.protocol).localeCompare(b.name + b.protocol)).map((p) => [p.name, p.protocol, p.port, p.appProtocol ?? '']));

export const ZONE_LABEL = LABEL_ZONE;

/** The endpoint groups of `svc` over `pods`; `zoneOf` gives a node's zone label, if any. */
export function desiredGroups(svc: KObject, pods: KObject[], zoneOf: (node: string) => string | undefined = () => undefined): EndpointGroup[] {
  const spec = specOf(svc);
  const publishNotReady = !!spec.publishNotReadyAddresses;
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    if (!selects(svc, pod) || !belongsInEndpoints(pod, true)) continue;
    const ports: SlicePort[] = [];
    for (const sp of spec.ports ?? []) {
      const port = resolvePort(pod, sp);
      // A named port this pod does not have: the pod serves the service's other ports only.
      if (port === undefined) continue;
      ports.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    const terminating = isTerminating(pod);
    const ready = isPodReady(pod);
    const nodeName = podSpec(pod).nodeName;
    const zone = nodeName ? zoneOf(nodeName) : undefined;
    const hostname = hostnameFor(pod, svc);
    const ep: SliceEndpoint = {
      addresses: [podIP(pod)!],
      // Ready never holds for a terminating pod (unless not-ready addresses are published); serving does, while the pod is ready.
      conditions: { ready: publishNotReady || (ready && !terminating), serving: publishNotReady || ready, terminating },
      ...(hostname ? { hostname } : {}),
      ...(nodeName ? { nodeName } : {}),
      ...(zone ? { zone } : {}),
      targetRef: targetRefOf(pod),
    };
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, ports, endpoints: [] }));
    g.endpoints.push(ep);
  }
  for (const g of groups.values()) g.endpoints.sort((a, b) => a.targetRef.name.localeCompare(b.targetRef.name));
  return [...groups.values()];
}
