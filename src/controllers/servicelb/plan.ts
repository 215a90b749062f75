// Who gets which load balancer address: a pure function of the LoadBalancer Services (oldest
// first), what they hold now (status.loadBalancer.ingress) and ask for (spec.loadBalancerIP or the
// annotation below), and either the pool of --lb-ip-range or the nodes (k3s servicelb's way: the
// node IPs are the addresses, and each port can be one Service's only). A Service keeps what it
// holds (an address in use is never taken away); a request for an address someone else holds or
// asked for first, outside the pool or not a node's is a conflict (the Service stays pending, with a Warning event); an empty pool leaves the rest pending.

import type { LbNode } from '../../api/load-balancer.js';
import type { IpPool } from './ip-pool.js';

/** Asks the built-in load balancer for one address (as MetalLB's and kube-vip's annotations do). */
export const LB_IP_ANNOTATION = 'loadbalancer.gifee.dev/ip';

export interface LbService {
  /** namespace/name */
  key: string;
  /** creationTimestamp: older Services win conflicts (then by key). */
  created: string;
  /** The address asked for, if any (spec.loadBalancerIP, else the annotation). */
  requested?: string;
  /** The IPs in its status now. */
  current: string[];
  /** "80/TCP" for each port (node mode: a port on the node IPs is one Service's). */
  ports: string[];
  /** externalTrafficPolicy Local: in node mode, only nodes with its endpoints are its addresses. */
  externalLocal: boolean;
  /** Nodes with ready endpoints of it. */
  endpointNodes: string[];
}

export type LbDecision = { ips: string[] } | { pending: true; reason: string; message: string };

const byAge = (a: LbService, b: LbService) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

export function planPool(services: LbService[], pool: IpPool): Map<string, LbDecision> {
  const out = new Map<string, LbDecision>();
  const holder = new Map<string, string>();
  const sorted = [...services].sort(byAge);
  // 1. What Services hold, oldest first, if still in the pool and still what they ask for: kept
  //    (an address in use is never taken away; two holding one is settled by age).
  for (const s of sorted) {
    const ip = s.current.find((i) => pool.contains(i) && !holder.has(i) && (!s.requested || s.requested === i));
    if (ip) {
      holder.set(ip, s.key);
      out.set(s.key, { ips: [ip] });
    }
  }
  // 2. Requests, oldest first: an address another Service holds or asked for first is a conflict.
  for (const s of sorted) {
    if (!s.requested || out.has(s.key)) continue;
    if (!pool.contains(s.requested)) {
      out.set(s.key, { pending: true, reason: 'AllocationFailed', message: `requested IP ${s.requested} is not in the load balancer pool (${pool.spec})` });
      continue;
    }
    const other = holder.get(s.requested);
    if (other) {
      out.set(s.key, { pending: true, reason: 'AllocationFailed', message: `requested IP ${s.requested} is already assigned to Service ${other}` });
      continue;
    }
    holder.set(s.requested, s.key);
    out.set(s.key, { ips: [s.requested] });
  }
  // 3. The rest: the lowest free addresses, oldest Service first (one walk over the pool).
  const free = pool.addresses();
  for (const s of sorted) {
    if (out.has(s.key)) continue;
    let ip: string | undefined;
    for (let n = free.next(); !n.done; n = free.next()) {
      if (!holder.has(n.value)) {
        ip = n.value;
        break;
      }
    }
    if (!ip) {
      out.set(s.key, { pending: true, reason: 'AllocationFailed', message: `no address left in the load balancer pool (${pool.spec}, ${pool.size} addresses)` });
      continue;
    }
    holder.set(ip, s.key);
    out.set(s.key, { ips: [ip] });
  }
  return out;
}

export function planNodeIPs(services: LbService[], nodes: LbNode[]): Map<string, LbDecision> {
  const out = new Map<string, LbDecision>();
  const portHolder = new Map<string, string>();
  const nodeIPs = new Map(nodes.map((n) => [n.name, n.ip]));
  const allIPs = sortIPs([...new Set(nodeIPs.values())]);
  for (const s of [...services].sort(byAge)) {
    const taken = s.ports.map((p) => [p, portHolder.get(p)] as const).find(([, h]) => h);
    if (taken) {
      out.set(s.key, { pending: true, reason: 'PortConflict', message: `port ${taken[0]} on the node IPs is already used by Service ${taken[1]}` });
      continue;
    }
    if (s.requested && !allIPs.includes(s.requested)) {
      out.set(s.key, { pending: true, reason: 'AllocationFailed', message: `requested IP ${s.requested} is not the address of a node that serves load balancers (no --lb-ip-range pool is set)` });
      continue;
    }
    for (const p of s.ports) portHolder.set(p, s.key);
    let ips = s.externalLocal ? sortIPs([...new Set(s.endpointNodes.map((n) => nodeIPs.get(n)).filter((ip): ip is string => !!ip))]) : allIPs;
    if (s.requested) ips = ips.filter((ip) => ip === s.requested);
    out.set(s.key, ips.length ? { ips } : { pending: true, reason: 'NoNodes', message: s.externalLocal ? 'no node that serves load balancers has a ready endpoint of the Service (externalTrafficPolicy Local)' : 'no Ready node serves load balancers' });
  }
  return out;
}

function sortIPs(ips: string[]): string[] {
  const n = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  return ips.sort((a, b) => n(a) - n(b));
}
