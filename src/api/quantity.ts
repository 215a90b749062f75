// Resource quantities ("100m", "1Gi", "2e3", "0.5"): syntax checks and conversion to numbers, for
// validation now and for the scheduler's resource fit later.

const QUANTITY = /^([+-]?[0-9.]+)([eE][-+]?[0-9]+|[KMGTPE]i|[numkMGTPE]|)$/;
const SUFFIX: Record<string, number> = {
  '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

export function isQuantity(s: string): boolean {
  const m = QUANTITY.exec(s);
  if (!m) return false;
  return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1]);
}

/** The quantity's value as a number (cores for cpu, bytes for memory); throws on bad syntax. */
export function parseQuantity(s: string | number): number {
  if (typeof s === 'number') return s;
  const m = QUANTITY.exec(s);
  if (!m || !isQuantity(s)) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${s}`);
  const base = Number(m[1]);
  const suf = m[2];
  if (suf.startsWith('e') || suf.startsWith('E')) return base * 10 ** Number(suf.slice(1));
  return base * SUFFIX[suf];
}
