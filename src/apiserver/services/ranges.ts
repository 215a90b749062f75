// The ranges Services allocate from: an IPv4 service CIDR (ClusterIPs) and a node port range.
// Both are "a contiguous run of integers" to the allocator; these map values to and from offsets.

import { parseIPv4, formatIPv4 } from '../../util/ipv4.js';

export class ServiceRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceRangeError';
  }
}

/** A range of values the allocator hands out, as offsets 0..size-1. */
export interface AllocationRange {
  /** The store key segment of its allocations: 'serviceips' or 'servicenodeports'. */
  readonly kind: string;
  /** What a value is, for messages and defaults. */
  readonly unit: 'IP' | 'port';
  readonly size: number;
  /** As Kubernetes prints it in "The range of valid ... is X". */
  readonly display: string;
  /** Offset of a value, or undefined when the value is not in the range (or not a value at all). */
  offsetOf(value: string): number | undefined;
  valueAt(offset: number): string;
}

/**
 * The ClusterIPs of a service CIDR: every address but the network address and, for IPv4, the
 * broadcast address (Kubernetes' ipallocator range). Capped at 2^20 addresses like Kubernetes.
 */
export function serviceIPRange(cidr: string): AllocationRange {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (m?.[1].includes(':')) throw new ServiceRangeError(`service CIDR "${cidr}" is IPv6; gifee allocates IPv4 ClusterIPs only`);
  const ip = m ? parseIPv4(m[1]) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (ip === undefined || !(prefix >= 0 && prefix <= 32)) throw new ServiceRangeError(`--service-cidr "${cidr}" is not an IPv4 CIDR like 10.43.0.0/16`);
  if (prefix > 30) throw new ServiceRangeError(`--service-cidr ${cidr} is too small: use a /30 or larger`);
  if (prefix < 12) throw new ServiceRangeError(`--service-cidr ${cidr} is too large: use at least a /12 (Kubernetes caps service ranges at 2^20 addresses)`);
  const mask = (~0 << (32 - prefix)) >>> 0;
  const base = (ip & mask) >>> 0;
  const first = base + 1;
  const size = 2 ** (32 - prefix) - 2;
  const display = `${formatIPv4(base)}/${prefix}`;
  return {
    kind: 'serviceips',
    unit: 'IP',
    size,
    display,
    offsetOf: (value) => {
      const n = parseIPv4(value);
      if (n === undefined) return undefined;
      const off = n - first;
      return off >= 0 && off < size ? off : undefined;
    },
    valueAt: (offset) => formatIPv4(first + offset),
  };
}

/** "30000-32767" (or "30000+767", Kubernetes' base+size form). */
export function nodePortRange(spec: string): AllocationRange & { base: number; max: number } {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)|\+\s*(\d+))\s*$/.exec(spec);
  if (!m) throw new ServiceRangeError(`--service-node-port-range "${spec}" is not a port range like 30000-32767`);
  const base = Number(m[1]);
  const max = m[2] !== undefined ? Number(m[2]) : base + Number(m[3]);
  if (base < 1 || max > 65535 || max < base) throw new ServiceRangeError(`--service-node-port-range "${spec}" must be a range of ports within 1-65535, low to high`);
  const size = max - base + 1;
  return {
    kind: 'servicenodeports',
    unit: 'port',
    base,
    max,
    size,
    display: `${base}-${max}`,
    offsetOf: (value) => {
      if (!/^\d+$/.test(value)) return undefined;
      const off = Number(value) - base;
      return off >= 0 && off < size ? off : undefined;
    },
    valueAt: (offset) => String(base + offset),
  };
}

/**
 * Dynamic allocations start above a small reserved band at the bottom of the range, so the values
 * admins pick by hand (the kubernetes Service's .1, a DNS service's .10, well-known node ports)
 * rarely collide with random ones (KEP-3070 for IPs: size/16 in [16, 256]; KEP-3668 for ports:
 * size/32 in [16, 128]).
 */
export function reservedBand(range: AllocationRange): number {
  const [div, max] = range.unit === 'IP' ? [16, 256] : [32, 128];
  const band = Math.min(Math.max(16, Math.floor(range.size / div)), max);
  return band >= range.size ? 0 : band;
}
