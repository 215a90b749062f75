// The load balancer address pool of `gifee server --lb-ip-range`: comma-separated IPv4 ranges
// ("10.0.0.200-10.0.0.220") or CIDRs ("10.0.0.192/28", every address of it). Bounded: at most
// 65,536 addresses in all, so walking the pool stays cheap.

import { formatIPv4, parseIPv4 } from '../../util/ipv4.js';

export const MAX_POOL_SIZE = 65_536;

export class IpPool {
  private constructor(
    /** Inclusive [first, last] integer ranges, sorted, not overlapping. */
    readonly ranges: [number, number][],
    readonly spec: string,
  ) {}

  /** Throws an Error that says what is wrong (the server turns it into a usage error). */
  static parse(spec: string): IpPool {
    const ranges: [number, number][] = [];
    for (const part of spec
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      let first: number | undefined;
      let last: number | undefined;
      const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(part);
      const dash = /^([\d.]+)-([\d.]+)$/.exec(part);
      if (cidr) {
        const base = parseIPv4(cidr[1]);
        const bits = Number(cidr[2]);
        if (base === undefined || bits > 32) throw new Error(`${JSON.stringify(part)} is not an IPv4 CIDR`);
        const size = 2 ** (32 - bits);
        if (base % size !== 0) throw new Error(`${JSON.stringify(part)}: the address has bits set past the /${bits} prefix`);
        [first, last] = [base, base + size - 1];
      } else if (dash) {
        first = parseIPv4(dash[1]);
        last = parseIPv4(dash[2]);
        if (first === undefined || last === undefined) throw new Error(`${JSON.stringify(part)} is not a range of IPv4 addresses`);
        if (last < first) throw new Error(`${JSON.stringify(part)}: the range ends before it starts`);
      } else {
        first = last = parseIPv4(part);
        if (first === undefined) throw new Error(`${JSON.stringify(part)} is not an IPv4 address, range (A-B) or CIDR`);
      }
      ranges.push([first, last!]);
    }
    if (!ranges.length) throw new Error('no addresses given');
    ranges.sort((a, b) => a[0] - b[0]);
    let size = 0;
    for (let i = 0; i < ranges.length; i++) {
      if (i > 0 && ranges[i][0] <= ranges[i - 1][1]) throw new Error(`${formatIPv4(ranges[i][0])} is in two of the ranges`);
      size += ranges[i][1] - ranges[i][0] + 1;
      if (size > MAX_POOL_SIZE) throw new Error(`more than ${MAX_POOL_SIZE} addresses`);
    }
    return new IpPool(ranges, spec);
  }

  get size(): number {
    return this.ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
  }

  contains(ip: string): boolean {
    const n = parseIPv4(ip);
    return n !== undefined && this.ranges.some(([a, b]) => n >= a && n <= b);
  }

  /** Every address, lowest first. */
  *addresses(): Generator<string> {
    for (const [a, b] of this.ranges) for (let n = a; n <= b; n++) yield formatIPv4(n);
  }
}
