// A set of equal-sized IPv4 subnets carved out of a cluster CIDR (kube-controller-manager's cidrset):
// allocate the next free one, occupy one found on an existing node, release one of a deleted node.
// Allocation continues after the last one handed out, so a freed subnet is not reused at once
// (routes and conntrack entries of its old node have time to go).

import { parseIPv4, formatIPv4 } from '../../util/ipv4.js';

export class CidrError extends Error {
  constructor(
    readonly reason: 'Invalid' | 'CIDRNotAvailable' | 'OutOfRange',
    message: string,
  ) {
    super(message);
    this.name = 'CidrError';
  }
}

export function parseCidr(s: string): { base: number; prefix: number } {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s.trim());
  if (m?.[1].includes(':')) throw new CidrError('Invalid', `CIDR "${s}" is IPv6; gifee's node IPAM allocates IPv4 pod CIDRs only`);
  const ip = m ? parseIPv4(m[1]) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (ip === undefined || !(prefix >= 0 && prefix <= 32)) throw new CidrError('Invalid', `"${s}" is not an IPv4 CIDR like 10.42.0.0/16`);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return { base: (ip & mask) >>> 0, prefix };
}

export class CidrSet {
  readonly base: number;
  readonly prefix: number;
  readonly size: number;
  private used: Uint8Array;
  private count = 0;
  private next = 0;

  constructor(
    readonly clusterCIDR: string,
    readonly maskSize: number,
  ) {
    ({ base: this.base, prefix: this.prefix } = parseCidr(clusterCIDR));
    if (!Number.isInteger(maskSize) || maskSize < this.prefix || maskSize > 32) {
      throw new CidrError('Invalid', `node CIDR mask size ${maskSize} must be between the cluster CIDR's prefix length (${this.prefix}) and 32`);
    }
    if (maskSize - this.prefix > 24) throw new CidrError('Invalid', `cluster CIDR ${clusterCIDR} with /${maskSize} per node makes ${2 ** (maskSize - this.prefix)} node CIDRs; the most is 2^24 (raise --node-cidr-mask-size's prefix or shrink the cluster CIDR)`);
    this.size = 2 ** (maskSize - this.prefix);
    this.used = new Uint8Array(this.size);
  }

  get allocated() {
    return this.count;
  }

  get free() {
    return this.size - this.count;
  }

  private cidrAt(i: number) {
    return `${formatIPv4((this.base + i * 2 ** (32 - this.maskSize)) >>> 0)}/${this.maskSize}`;
  }

  /** The index of a node CIDR in this set; throws OutOfRange if it is not one of ours. */
  private indexOf(cidr: string): number {
    const { base, prefix } = parseCidr(cidr);
    if (prefix !== this.maskSize) throw new CidrError('OutOfRange', `${cidr} is not a /${this.maskSize} node CIDR of ${this.clusterCIDR}`);
    const offset = base - this.base;
    const i = offset / 2 ** (32 - this.maskSize);
    if (offset < 0 || i >= this.size) throw new CidrError('OutOfRange', `${cidr} is outside the cluster CIDR ${this.clusterCIDR}`);
    return i;
  }

  allocate(): string {
    if (this.count >= this.size) throw new CidrError('CIDRNotAvailable', `no node CIDRs left in ${this.clusterCIDR} (all ${this.size} /${this.maskSize}s are in use)`);
    for (let k = 0; k < this.size; k++) {
      const i = (this.next + k) % this.size;
      if (!this.used[i]) {
        this.used[i] = 1;
        this.count++;
        this.next = (i + 1) % this.size;
        return this.cidrAt(i);
      }
    }
    throw new CidrError('CIDRNotAvailable', `no node CIDRs left in ${this.clusterCIDR}`);
  }

  /** Mark a CIDR already assigned (found on an existing node) as used. */
  occupy(cidr: string) {
    const i = this.indexOf(cidr);
    if (!this.used[i]) {
      this.used[i] = 1;
      this.count++;
    }
  }

  release(cidr: string) {
    const i = this.indexOf(cidr);
    if (this.used[i]) {
      this.used[i] = 0;
      this.count--;
    }
  }

  isUsed(cidr: string): boolean {
    return this.used[this.indexOf(cidr)] === 1;
  }
}
