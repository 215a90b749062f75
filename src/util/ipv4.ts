// IPv4 addresses as 32-bit unsigned integers, for the components that carve and walk ranges
// (service IPs, node pod CIDRs, simulated pod IPs, the pod gateway).

/** "10.42.0.1" -> its integer; undefined unless four dotted decimal octets of 0-255. */
export function parseIPv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export const formatIPv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
