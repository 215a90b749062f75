// Simulated nodes (`gifee sim nodes`, like kwok's) must never make anything send traffic off the
// machine. What every component needs to know to keep that promise lives here, once:
// - the marker: a Node carrying the label below is simulated (kwok marks its nodes `type: kwok`);
//   node IPAM gives it no pod CIDR and node agents route nothing to it;
// - its address: loopback only; its kubelet endpoint is served by the `gifee sim` process itself;
// - its pods' IPs: from 198.18.0.0/15, the block RFC 2544 reserves for benchmarking (never assigned
//   on the Internet, and not used by gifee for anything else). Service proxies skip endpoints in it,
//   so no Service ever sends a packet there.

import { parseIPv4 } from '../util/ipv4.js';

/** The label (value "true") that marks a simulated Node. */
export const SIMULATED_NODE_LABEL = 'sim.gifee.dev/simulated';

/** The only address a simulated node advertises (InternalIP, and the pods' hostIP). */
export const SIMULATED_NODE_IP = '127.0.0.1';

/** Where pods on simulated nodes get their IPs: RFC 2544's benchmarking block. */
export const SIMULATED_POD_CIDR = '198.18.0.0/15';

const SIM_BASE = parseIPv4('198.18.0.0')!;
const SIM_MASK = 0xfffe0000;

export function isSimulatedNode(node: { metadata?: { labels?: Record<string, string> } } | undefined): boolean {
  return node?.metadata?.labels?.[SIMULATED_NODE_LABEL] === 'true';
}

/** Whether an IPv4 address is in the simulated pods' range (such an address is never dialed nor routed). */
export function isSimulatedPodIP(ip: string | undefined): boolean {
  const n = ip === undefined ? undefined : parseIPv4(ip);
  return n !== undefined && (n & SIM_MASK) >>> 0 === SIM_BASE;
}

/** Whether a CIDR overlaps the simulated pods' range (a node whose pod CIDR does is never routed to). */
export function overlapsSimulatedPodCIDR(cidr: string | undefined): boolean {
  if (!cidr || cidr.includes(':')) return false;
  const [ip, bits] = cidr.split('/');
  const base = parseIPv4(ip);
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return false;
  const shorter = Math.min(prefix, 15);
  const mask = shorter === 0 ? 0 : (~0 << (32 - shorter)) >>> 0;
  return (base & mask) >>> 0 === (SIM_BASE & mask) >>> 0;
}
