// Kubernetes' CEL ip and cidr libraries: ip(s), isIP(s), ip.isCanonical(s), family,
// isUnspecified, isLoopback, isLinkLocalMulticast, isLinkLocalUnicast, isGlobalUnicast; cidr(s),
// isCIDR(s), containsIP, containsCIDR, ip, masked, prefixLength; string() of both.

import { isIPv4, isIPv6 } from 'node:net';
import { type CelFunc, type CelValue, CelScalar, celFunc, celMethod } from '@bufbuild/cel';
import { isOpaque, makeOpaque, opaqueOf } from './opaque.js';

interface Addr {
  bits: 32 | 128;
  n: bigint;
}
interface Cidr {
  addr: Addr;
  prefix: number;
}

function parseAddr(s: string): Addr {
  if (isIPv4(s)) return { bits: 32, n: s.split('.').reduce((a, o) => (a << 8n) | BigInt(Number(o)), 0n) };
  if (!isIPv6(s) || s.includes('%')) throw new Error(`IP Address ${JSON.stringify(s)} parse error during conversion from string: ParseAddr(${JSON.stringify(s)}): unable to parse IP`);
  const canon = new URL(`http://[${s}]/`).hostname.slice(1, -1);
  const [head, tail] = canon.includes('::') ? canon.split('::') : [canon, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const a: Addr = { bits: 128, n: groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n) };
  if (a.n >> 32n === 0xffffn) throw new Error('IPv4-mapped IPv6 addresses are not allowed');
  return a;
}

function formatAddr(a: Addr): string {
  if (a.bits === 32) return [24n, 16n, 8n, 0n].map((sh) => String((a.n >> sh) & 255n)).join('.');
  const groups = [];
  for (let i = 7; i >= 0; i--) groups.push(((a.n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

function parseCidr(s: string): Cidr {
  const i = s.lastIndexOf('/');
  const p = s.slice(i + 1);
  if (i < 0 || !/^\d{1,3}$/.test(p)) throw new Error(`network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(s)}): no '/'`);
  const addr = parseAddr(s.slice(0, i));
  const prefix = Number(p);
  if (prefix > addr.bits) throw new Error(`network address parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(s)}): prefix length out of range`);
  return { addr, prefix };
}

const mask = (c: Cidr) => ((1n << BigInt(c.addr.bits)) - 1n) ^ ((1n << BigInt(c.addr.bits - c.prefix)) - 1n);
const inCidr = (c: Cidr, a: Addr) => a.bits === c.addr.bits && (a.n & mask(c)) === (c.addr.n & mask(c));
const ipValue = (a: Addr) => makeOpaque('net.IP', formatAddr(a), a);
const cidrValue = (c: Cidr) => makeOpaque('net.CIDR', `${formatAddr(c.addr)}/${c.prefix}`, c);
const ipOf = (v: CelValue) => opaqueOf<Addr>('net.IP', v);
const cidrOf = (v: CelValue) => opaqueOf<Cidr>('net.CIDR', v);
const ok = (f: () => unknown) => {
  try {
    f();
    return true;
  } catch {
    return false;
  }
};
const inRange = (a: Addr, v4: [bigint, number], v6: [bigint, number]) => {
  const [base, prefix] = a.bits === 32 ? v4 : v6;
  return inCidr({ addr: { bits: a.bits, n: base }, prefix }, a);
};

const { STRING, INT, BOOL, DYN } = CelScalar;

export const netFuncs: CelFunc[] = [
  celFunc('ip', [STRING], DYN, (s: string) => ipValue(parseAddr(s)) as never),
  celFunc('isIP', [STRING], BOOL, (s: string) => ok(() => parseAddr(s))),
  celFunc('ip.isCanonical', [STRING], BOOL, (s: string) => formatAddr(parseAddr(s)) === s),
  celMethod('family', DYN, [], INT, function (this: CelValue) {
    return ipOf(this).bits === 32 ? 4n : 6n;
  }),
  celMethod('isUnspecified', DYN, [], BOOL, function (this: CelValue) {
    return ipOf(this).n === 0n;
  }),
  celMethod('isLoopback', DYN, [], BOOL, function (this: CelValue) {
    return inRange(ipOf(this), [0x7f000000n, 8], [1n, 128]);
  }),
  celMethod('isLinkLocalMulticast', DYN, [], BOOL, function (this: CelValue) {
    return inRange(ipOf(this), [0xe0000000n, 24], [0xff02n << 112n, 16]);
  }),
  celMethod('isLinkLocalUnicast', DYN, [], BOOL, function (this: CelValue) {
    return inRange(ipOf(this), [0xa9fe0000n, 16], [0xfe80n << 112n, 10]);
  }),
  celMethod('isGlobalUnicast', DYN, [], BOOL, function (this: CelValue) {
    const a = ipOf(this);
    if (a.n === 0n || (a.bits === 32 && a.n === 0xffffffffn)) return false;
    return !inRange(a, [0x7f000000n, 8], [1n, 128]) && !inRange(a, [0xe0000000n, 4], [0xffn << 120n, 8]) && !inRange(a, [0xa9fe0000n, 16], [0xfe80n << 112n, 10]);
  }),
  celFunc('cidr', [STRING], DYN, (s: string) => cidrValue(parseCidr(s)) as never),
  celFunc('isCIDR', [STRING], BOOL, (s: string) => ok(() => parseCidr(s))),
  celMethod('containsIP', DYN, [DYN], BOOL, function (this: CelValue, x: CelValue) {
    return inCidr(cidrOf(this), typeof x === 'string' ? parseAddr(x) : ipOf(x));
  }),
  celMethod('containsCIDR', DYN, [DYN], BOOL, function (this: CelValue, x: CelValue) {
    const c = cidrOf(this);
    const o = typeof x === 'string' ? parseCidr(x) : cidrOf(x);
    return o.prefix >= c.prefix && inCidr(c, o.addr);
  }),
  celMethod('ip', DYN, [], DYN, function (this: CelValue) {
    return ipValue(cidrOf(this).addr) as never;
  }),
  celMethod('masked', DYN, [], DYN, function (this: CelValue) {
    const c = cidrOf(this);
    return cidrValue({ addr: { bits: c.addr.bits, n: c.addr.n & mask(c) }, prefix: c.prefix }) as never;
  }),
  celMethod('prefixLength', DYN, [], INT, function (this: CelValue) {
    return BigInt(cidrOf(this).prefix);
  }),
  celFunc('string', [DYN], STRING, (v: CelValue) => {
    if (isOpaque('net.IP', v)) return formatAddr(ipOf(v));
    const c = cidrOf(v);
    return `${formatAddr(c.addr)}/${c.prefix}`;
  }),
];
