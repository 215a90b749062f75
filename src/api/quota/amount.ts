// Exact resource amounts for quota and limit ranges: a quantity held as an integer count of
// nano-units (BigInt), with the format it was written in, so sums and comparisons are exact (a
// double cannot tell 2^63-1 bytes from 2^63) and results print as apimachinery prints them
// ("500m" + "500m" is "1", "512Mi" + "512Mi" is "1Gi").

export type AmountFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Amount {
  /** The value times 10^9, rounded up (Kubernetes keeps nothing finer than a nano-unit). */
  nano: bigint;
  format: AmountFormat;
}

const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)([eE][-+]?\d+|[KMGTPE]i|[numkMGTPE]|)$/;
const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const NANO = 1_000_000_000n;
/** Exponents past this are refused: validation already caps amounts at 2^63-1, this keeps BigInt work bounded. */
const MAX_EXPONENT = 40;

const pow10 = (n: number) => 10n ** BigInt(n);
const ceilDiv = (a: bigint, b: bigint) => (a >= 0n ? (a + b - 1n) / b : a / b);

export const ZERO: Amount = { nano: 0n, format: 'DecimalSI' };

/** Parses a quantity ("250m", "1Gi", "2e3", 0.5); undefined when it is not one. */
export function parseAmount(q: unknown): Amount | undefined {
  const s = typeof q === 'number' && Number.isFinite(q) ? String(q) : q;
  if (typeof s !== 'string') return undefined;
  const m = QUANTITY.exec(s);
  if (!m) return undefined;
  const [, sign, num, suffix] = m;
  const [rawWhole, rawFrac = ''] = num.split('.');
  // Bounded work on hostile input: leading zeros carry nothing, and fraction digits past the 30th are
  // far below a nano-unit whatever the suffix (one more non-zero digit keeps the rounding up right).
  const whole = rawWhole.replace(/^0+/, '');
  const frac = rawFrac.length > 30 ? rawFrac.slice(0, 30) + (/[1-9]/.test(rawFrac.slice(30)) ? '1' : '') : rawFrac;
  if (whole.length > 40) return undefined;
  let digits = BigInt((whole || '0') + frac);
  let exp10 = -frac.length;
  let format: AmountFormat = 'DecimalSI';
  if (suffix in BINARY_SUFFIX) {
    format = 'BinarySI';
    digits *= 1024n ** BigInt(BINARY_SUFFIX[suffix]);
  } else if (/^[eE]/.test(suffix)) {
    format = 'DecimalExponent';
    const e = Number(suffix.slice(1));
    if (Math.abs(e) > MAX_EXPONENT) return e < 0 ? { nano: digits === 0n ? 0n : sign === '-' ? 0n : 1n, format } : undefined;
    exp10 += e;
  } else {
    exp10 += DECIMAL_SUFFIX[suffix];
  }
  // nano = digits * 10^(exp10 + 9), rounded up.
  const shift = exp10 + 9;
  let nano = shift >= 0 ? digits * pow10(shift) : ceilDiv(digits, pow10(-shift));
  if (sign === '-') nano = shift >= 0 ? -nano : -(digits / pow10(-shift));
  return { nano, format };
}

export const add = (a: Amount, b: Amount): Amount => ({ nano: a.nano + b.nano, format: a.nano === 0n && a.format === 'DecimalSI' ? b.format : a.format });
export const sub = (a: Amount, b: Amount): Amount => ({ nano: a.nano - b.nano, format: a.format });
export const cmp = (a: Amount, b: Amount) => (a.nano < b.nano ? -1 : a.nano > b.nano ? 1 : 0);
export const isZero = (a: Amount) => a.nano === 0n;
/** The value in thousandths, rounded up (Quantity.MilliValue). */
export const milliValue = (a: Amount) => ceilDiv(a.nano, 1_000_000n);
/** The value as a double, for ratios. */
export const toNumber = (a: Amount) => Number(a.nano) / 1e9;
export const amountOf = (n: number | bigint, format: AmountFormat = 'DecimalSI'): Amount => ({ nano: BigInt(n) * NANO, format });

/** The canonical text of an amount, as Quantity.String() prints it. */
export function formatAmount(a: Amount): string {
  if (a.nano === 0n) return '0';
  const neg = a.nano < 0n;
  const abs = neg ? -a.nano : a.nano;
  const sign = neg ? '-' : '';
  if (a.format === 'BinarySI' && abs % NANO === 0n && abs >= 1024n * NANO) {
    let v = abs / NANO;
    let k = 0;
    while (k < 6 && v % 1024n === 0n) {
      v /= 1024n;
      k++;
    }
    return `${sign}${v}${['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'][k]}`;
  }
  // Decimal: the largest exponent (a multiple of 3, from -9) that leaves an integer mantissa.
  let mantissa = abs;
  let exp = -9;
  const top = a.format === 'DecimalExponent' ? Number.POSITIVE_INFINITY : 18;
  while (exp < top && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exp += 3;
  }
  if (a.format === 'DecimalExponent') return `${sign}${mantissa}${exp === 0 ? '' : `e${exp}`}`;
  const suffix = Object.entries(DECIMAL_SUFFIX).find(([, e]) => e === exp)?.[0] ?? '';
  return `${sign}${mantissa}${suffix}`;
}

/** A resource list (name -> quantity text) as exact amounts; entries that are not quantities are left out. */
export type Amounts = Map<string, Amount>;

export function amountsOf(list: unknown): Amounts {
  const out: Amounts = new Map();
  if (!list || typeof list !== 'object' || Array.isArray(list)) return out;
  for (const [k, v] of Object.entries(list as Record<string, unknown>)) {
    const a = parseAmount(v);
    if (a) out.set(k, a);
  }
  return out;
}

/** Back to a resource list, keys sorted (what status.used and status.hard hold). */
export function listOf(amounts: Amounts): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...amounts.keys()].sort()) out[k] = formatAmount(amounts.get(k)!);
  return out;
}

/** a + b per resource (quota.Add). */
export function addAll(a: Amounts, b: Amounts): Amounts {
  const out: Amounts = new Map(a);
  for (const [k, v] of b) out.set(k, out.has(k) ? add(out.get(k)!, v) : v);
  return out;
}

/** Only the resources named (quota.Mask). */
export function mask(a: Amounts, names: Iterable<string>): Amounts {
  const out: Amounts = new Map();
  for (const k of names) if (a.has(k)) out.set(k, a.get(k)!);
  return out;
}

/** "cpu=1,pods=2", keys sorted, as the quota admission's messages print lists. */
export function prettyPrint(a: Amounts): string {
  return [...a.keys()]
    .sort()
    .map((k) => `${k}=${formatAmount(a.get(k)!)}`)
    .join(',');
}

/** Whether two lists hold the same resources with equal amounts (quota.Equals). */
export function sameAmounts(a: Amounts, b: Amounts): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || cmp(v, w) !== 0) return false;
  }
  return true;
}

/** Whether going from a to b gives something back: some resource of a is larger than in b (missing counts as zero). */
export function releases(a: Amounts, b: Amounts): boolean {
  for (const [k, v] of a) if (cmp(v, b.get(k) ?? ZERO) > 0) return true;
  return false;
}
