// Resource quantities ("100m", "1Gi", "2e3", "0.5"): syntax checks and conversion to numbers, for
// validation now and for the scheduler's resource fit later.

const QUANTITY = /^([+-]?[0-9.]+)([eE][-+]?[0-9]+|[KMGTPE]i|[numkMGTPE]|)$/;
const EXPONENT = /^[eE][-+]?\d+$/;
const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Kubernetes' ErrFormatWrong. */
export const QUANTITY_FORMAT_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** The largest amount Kubernetes resource arithmetic holds (int64), as text: a double cannot print it exactly. */
export const MAX_QUANTITY = '9223372036854775807';

/**
 * Why a quantity string is unusable, or undefined when it is fine. Past the syntax, the amount must be
 * finite and at most 2^63-1: "1e1000" is syntactically a quantity but overflows every number type the
 * scheduler and node agent compute with, so it is refused here instead of failing them later.
 */
export function quantityProblem(s: string): string | undefined {
  const m = QUANTITY.exec(s);
  if (!m || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1])) return QUANTITY_FORMAT_MESSAGE;
  const suf = m[2];
  // Kubernetes parses the exponent as an int64 and answers ErrSuffix when it does not fit.
  if (EXPONENT.test(suf) && !/^[eE][-+]?\d{1,18}$/.test(suf)) return "unable to parse quantity's suffix";
  const v = parseQuantity(s);
  // Doubles round int64's maximum up to 2^63: anything past that is past int64.
  if (!Number.isFinite(v) || Math.abs(v) > 2 ** 63) return `must be no more than ${MAX_QUANTITY}`;
  return undefined;
}

export function isQuantity(s: string): boolean {
  return quantityProblem(s) === undefined;
}

/** Syntax only (the regular expression), what parseQuantity needs. */
function isQuantitySyntax(s: string): boolean {
  const m = QUANTITY.exec(s);
  return !!m && /^[+-]?(\d+\.?\d*|\.\d+)$/.test(m[1]);
}

/** The quantity's value as a number (cores for cpu, bytes for memory); throws on bad syntax. */
export function parseQuantity(s: string | number): number {
  if (typeof s === 'number') return s;
  const m = QUANTITY.exec(s);
  if (!m || !isQuantitySyntax(s)) throw new Error(`${QUANTITY_FORMAT_MESSAGE}: ${s}`);
  const base = Number(m[1]);
  const suf = m[2];
  // "E" and "Ei" are exa and exbi, not exponents.
  if (EXPONENT.test(suf)) return base * 10 ** Number(suf.slice(1));
  return base * SUFFIX[suf];
}
