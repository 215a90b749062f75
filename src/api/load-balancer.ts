// What the built-in load balancer's controller (src/controllers/servicelb) and the nodes' address
// announcer (src/proxy/announcer.ts) agree on: which Services are its, and which nodes serve them.

import type { Node, Service } from './core/index.js';
import type { KObject } from './kind.js';
import { isSimulatedNode } from './simulated-nodes.js';
import { LABEL_EXCLUDE_FROM_EXTERNAL_LOAD_BALANCERS } from './well-known.js';

/** Nodes with this label (Kubernetes') are never load balancer addresses or announcers. */
export const EXCLUDE_LB_LABEL = LABEL_EXCLUDE_FROM_EXTERNAL_LOAD_BALANCERS;

type Svc = Service;
type NodeObj = Node;

export interface LbNode {
  name: string;
  /** The address clients reach it at (ExternalIP if it has one, else InternalIP). */
  ip: string;
}

/**
 * Addresses no load balancer or external IP may be: unspecified, loopback, link-local, multicast
 * and above. A node answers them itself, so a Service holding one would capture the machine's own
 * traffic (a node registered as 127.0.0.1 must not turn every LoadBalancer port into a loopback port).
 */
export function isSpecialIPv4(ip: string): boolean {
  const [a, b] = ip.split('.').map(Number);
  return a === 0 || a === 127 || (a === 169 && b === 254) || a >= 224;
}

/** Whether a Service is the built-in load balancer's: a LoadBalancer without another implementation's class. */
export const isBuiltinLoadBalancer = (s: KObject) => (s as Svc).spec?.type === 'LoadBalancer' && !(s as Svc).spec?.loadBalancerClass;

/** The nodes that serve load balancers: Ready, real (not simulated), not excluded, with an IPv4 address that is not special (loopback...). */
export function lbNodes(nodes: KObject[]): LbNode[] {
  const out: LbNode[] = [];
  for (const n of nodes as NodeObj[]) {
    if (n.metadata?.deletionTimestamp || isSimulatedNode(n) || n.metadata?.labels?.[EXCLUDE_LB_LABEL] !== undefined) continue;
    if (!n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
    const addrs = n.status.addresses ?? [];
    const ip = addrs.find((a) => a.type === 'ExternalIP')?.address ?? addrs.find((a) => a.type === 'InternalIP')?.address;
    if (ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip) && !isSpecialIPv4(ip)) out.push({ name: n.metadata!.name!, ip });
  }
  return out;
}

/** Every address any node has (a load balancer address equal to one is a node IP, not announced). */
export function allNodeAddresses(nodes: KObject[]): Set<string> {
  const out = new Set<string>();
  for (const n of nodes as NodeObj[]) for (const a of n.status?.addresses ?? []) out.add(a.address);
  return out;
}
