// Fake pod IPs handed out from a CIDR (the simulated pods' range): the addresses a CNI plugin would
// assign, skipping the network address, the gateway (.1) and the broadcast address.

import { formatIPv4, parseIPv4 } from '../util/ipv4.js';

export class IpPool {
  private base: number;
  private size: number;
  private used = new Set<number>();
  private next = 2;

  constructor(readonly cidr: string) {
    const [ip, bits] = cidr.split('/');
    const base = parseIPv4(ip);
    const prefix = Number(bits);
    if (base === undefined || !Number.isInteger(prefix) || prefix < 1 || prefix > 30) throw new Error(`pod CIDR "${cidr}" is not an IPv4 CIDR between /1 and /30`);
    this.size = 2 ** (32 - prefix);
    this.base = (base & ((~0 << (32 - prefix)) >>> 0)) >>> 0;
  }

  /** The next free address, or undefined when the range is full. */
  allocate(): string | undefined {
    const usable = this.size - 3;
    if (this.used.size >= usable) return undefined;
    for (let k = 0; k < usable; k++) {
      const off = 2 + ((this.next - 2 + k) % usable);
      if (!this.used.has(off)) {
        this.used.add(off);
        this.next = off + 1;
        return formatIPv4((this.base + off) >>> 0);
      }
    }
    return undefined;
  }

  /** Whether an address is one this pool hands out. */
  owns(ip: string): boolean {
    const n = parseIPv4(ip);
    return n !== undefined && n - this.base >= 2 && n - this.base < this.size - 1;
  }

  /** Mark an address in use (a pod that already reported it); ignored if outside the range. */
  reserve(ip: string) {
    const n = parseIPv4(ip);
    if (n !== undefined && n - this.base >= 2 && n - this.base < this.size - 1) this.used.add(n - this.base);
  }

  release(ip: string) {
    const n = parseIPv4(ip);
    if (n !== undefined) this.used.delete(n - this.base);
  }
}
