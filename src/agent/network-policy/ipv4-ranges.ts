// IPv4 address ranges for the peer sets: an ipBlock is its CIDR minus its excepts, pods are single
// addresses, and one set holds the union of a rule's peers. nftables interval sets refuse
// overlapping elements, so ranges are merged here (sorted, disjoint) before they are rendered.

/** An inclusive range of IPv4 addresses as 32-bit unsigned integers. */
export type Range = [number, number];

/** A dotted IPv4 address as an integer, or undefined if it is not one. */
export function ipv4ToInt(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export const intToIPv4 = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/** An IPv4 CIDR as a range (host bits ignored, as Kubernetes' ipBlock matching does); undefined for IPv6 or garbage. */
export function cidrRange(cidr: string): Range | undefined {
  const [addr, lenText] = cidr.split('/');
  const base = ipv4ToInt(addr ?? '');
  const len = lenText === undefined ? 32 : /^\d{1,2}$/.test(lenText) ? Number(lenText) : Number.NaN;
  if (base === undefined || !(len >= 0 && len <= 32)) return undefined;
  const size = 2 ** (32 - len);
  const start = Math.floor(base / size) * size;
  return [start, start + size - 1];
}

/** Sorted, disjoint, adjacent ranges joined. */
export function mergeRanges(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** ranges minus holes. */
export function subtractRanges(ranges: Range[], holes: Range[]): Range[] {
  let out = mergeRanges(ranges);
  for (const [hs, he] of mergeRanges(holes)) {
    const next: Range[] = [];
    for (const [s, e] of out) {
      if (he < s || hs > e) next.push([s, e]);
      else {
        if (hs > s) next.push([s, hs - 1]);
        if (he < e) next.push([he + 1, e]);
      }
    }
    out = next;
  }
  return out;
}

/** nftables interval set elements: a single address, or first-last. */
export const renderRange = ([s, e]: Range) => (s === e ? intToIPv4(s) : `${intToIPv4(s)}-${intToIPv4(e)}`);

export const inRanges = (ip: number, ranges: Range[]) => ranges.some(([s, e]) => ip >= s && ip <= e);
