// CIDR parsing for NetworkPolicy ipBlocks, as Go's net.ParseCIDR (leading zeros in IPv4 accepted, as
// Kubernetes' ParseCIDRSloppy does): the network, its family and prefix length, and containment.

import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  /** The network address (host bits cleared). */
  network: bigint;
  prefix: number;
}

function ipv4Value(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function ipv6Value(s: string): bigint | undefined {
  if (!isIPv6(s)) return undefined;
  let text = s;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4Value(tail);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const groups = (x: string | undefined) => (x ? x.split(':') : []);
  const h = groups(head);
  const r = rest === undefined ? [] : groups(rest);
  const fill = rest === undefined ? [] : Array(8 - h.length - r.length).fill('0');
  const all = [...h, ...fill, ...r];
  if (all.length !== 8) return undefined;
  return all.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

/** The CIDR, or undefined when it is not one. */
export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  if (slash < 0 || s.indexOf('/', slash + 1) >= 0) return undefined;
  const addr = s.slice(0, slash);
  const len = s.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(len)) return undefined;
  const prefix = Number(len);
  const v4 = isIPv4(addr) || /^[0-9.]+$/.test(addr) ? ipv4Value(addr) : undefined;
  const family: 4 | 6 | undefined = v4 !== undefined ? 4 : isIPv6(addr) ? 6 : undefined;
  if (!family) return undefined;
  const bits = family === 4 ? 32 : 128;
  if (prefix > bits) return undefined;
  const value = family === 4 ? v4! : ipv6Value(addr);
  if (value === undefined) return undefined;
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
  return { family, network: value & mask, prefix };
}

/** Whether `inner`'s network address lies in `outer` (Go's IPNet.Contains of inner.IP). */
export function containsNetwork(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family) return false;
  const bits = outer.family === 4 ? 32 : 128;
  const shift = BigInt(bits - outer.prefix);
  return inner.network >> shift === outer.network >> shift;
}
