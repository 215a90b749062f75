// The userspace proxy's plan: which addresses it listens on for which service port, and which
// endpoints each listener forwards to — the traffic policies the nftables proxy honours, applied the
// way a userspace proxy can:
//  - the cluster IP (at its loopback address, see listeners.ts): internalTrafficPolicy Local → only
//    this node's endpoints, none → refused;
//  - the node port (127.0.0.1:<nodePort>) and the external addresses (spec.externalIPs and a
//    LoadBalancer's status.loadBalancer.ingress IPs, at <ip>:<port>, planned only for addresses this
//    host has, as traffic to others never reaches it): externalTrafficPolicy Local → only this
//    node's endpoints, none → refused (a load balancer's health check moves traffic elsewhere).
// What a userspace proxy cannot do: keep the client's IP. It ends the client's TCP connection and
// opens its own to the pod, so the pod sees the node's address whatever the policy (the nftables
// proxy, which only rewrites the destination, keeps it). Listening on an external address's
// privileged port (< 1024) needs root or CAP_NET_BIND_SERVICE: that listener's failure is logged.

import type { Endpoint, ServicePort } from '../model.js';

/** Where the userspace proxy serves a cluster IP: 127.<b>.<c>.<d> for a.b.c.d. */
export const loopbackAddressFor = (clusterIP: string) => `127.${clusterIP.split('.').slice(1).join('.')}`;

export interface PlannedListener {
  /** The service port's id. */
  id: string;
  /** Where connections go (empty: refused). */
  endpoints: Endpoint[];
  /** cluster IP, node port or external address. */
  kind: 'cluster' | 'nodePort' | 'external';
}

/**
 * "host:port" → what to serve there. TCP ports only (the userspace proxy relays TCP); the first
 * service port to claim an address keeps it (ports come sorted by id).
 */
export function planListeners(ports: ServicePort[], localAddresses: ReadonlySet<string> = new Set()): Map<string, PlannedListener> {
  const plan = new Map<string, PlannedListener>();
  const claim = (addr: string, l: PlannedListener) => {
    if (!plan.has(addr)) plan.set(addr, l);
  };
  for (const sp of ports) {
    if (sp.protocol !== 'TCP') continue;
    const internal = sp.internalLocal ? sp.localEndpoints : sp.endpoints;
    const external = sp.externalLocal ? sp.localEndpoints : sp.endpoints;
    claim(`${loopbackAddressFor(sp.clusterIP)}:${sp.port}`, { id: sp.id, endpoints: internal, kind: 'cluster' });
    if (sp.nodePort) claim(`127.0.0.1:${sp.nodePort}`, { id: sp.id, endpoints: external, kind: 'nodePort' });
    for (const ip of sp.externalIPs) if (localAddresses.has(ip)) claim(`${ip}:${sp.port}`, { id: sp.id, endpoints: external, kind: 'external' });
  }
  return plan;
}
