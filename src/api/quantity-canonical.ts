// Quantities in their canonical form, as apimachinery's resource.Quantity writes them back: "0.5"
// is "500m", "1000" is "1k", "1024Mi" is "1Gi", "1.5Ki" is "1536", "1e3" stays "1e3". A quantity
// may also arrive as a bare JSON/YAML number (`cpu: 1`, `cpu: 0.5`): Kubernetes reads the number's
// text as a quantity, and so do we. Exact arithmetic (BigInt): values up to 2^63 and down to 1n.

import { quantityProblem } from './quantity.js';
import { resolve, type Schema } from './schema.js';
import { ConcernPlan } from './schema-concern.js';

const QUANTITY = /^([+-]?)(\d*)(?:\.(\d*))?([eE][-+]?\d+|[KMGTPE]i|[numkMGTPE]|)$/;
const DECIMAL_EXP: Record<string, number> = { '': 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_EXP: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_SUFFIX: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIX = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const TEN = 10n;
/** Significant digits kept exactly: far more than 19 integer digits plus 9 nano digits need. */
const SIGNIFICANT = 60;
const pow10 = (n: number) => TEN ** BigInt(n);

/** The canonical text of a valid quantity string; undefined when it is not one (validation says why). */
export function canonicalQuantity(s: string): string | undefined {
  if (quantityProblem(s)) return undefined;
  const m = QUANTITY.exec(s);
  if (!m) return undefined;
  const [, sign, int, frac = '', suffix] = m;
  // value = digits * 10^scale. Hostile input is bounded here: leading and trailing zeros go, and
  // past SIGNIFICANT digits only "was anything non-zero dropped" is kept. A valid amount is below
  // 2^63 (19 integer digits), so the digits dropped lie far below 1n and only decide rounding up.
  let digits = `${int}${frac}`.replace(/^0+/, '');
  let scale = -frac.length;
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  scale += trailing;
  let sticky = false;
  if (digits.length > SIGNIFICANT) {
    sticky = /[1-9]/.test(digits.slice(SIGNIFICANT));
    scale += digits.length - SIGNIFICANT;
    digits = digits.slice(0, SIGNIFICANT);
  }
  let mantissa = BigInt(digits || '0');
  let format: 'DecimalSI' | 'DecimalExponent' | 'BinarySI' = 'DecimalSI';
  if (suffix in BINARY_EXP) {
    format = 'BinarySI';
    mantissa *= 1024n ** BigInt(BINARY_EXP[suffix]);
  } else if (/^[eE]/.test(suffix)) {
    format = 'DecimalExponent';
    scale += Number(suffix.slice(1));
  } else {
    scale += DECIMAL_EXP[suffix];
  }
  // Nothing finer than 1n: round up (away from zero), as ParseQuantity does.
  if (scale < -9) {
    const drop = -9 - scale;
    if (drop > mantissa.toString().length) {
      mantissa = mantissa === 0n && !sticky ? 0n : 1n;
    } else {
      const div = pow10(drop);
      mantissa = mantissa / div + (mantissa % div === 0n && !sticky ? 0n : 1n);
    }
    scale = -9;
  }
  if (mantissa === 0n) return '0';
  const neg = sign === '-' ? '-' : '';
  if (format === 'BinarySI') {
    // Below 1024, or not a whole number: shown in decimal SI instead (no rounding).
    const whole = scale >= 0 ? mantissa * pow10(scale) : mantissa % pow10(-scale) === 0n ? mantissa / pow10(-scale) : undefined;
    if (whole !== undefined && whole >= 1024n) {
      let v = whole;
      let e = 0;
      while (v % 1024n === 0n && e < BINARY_SUFFIX.length - 1) {
        v /= 1024n;
        e++;
      }
      return `${neg}${v}${BINARY_SUFFIX[e]}`;
    }
    format = 'DecimalSI';
  }
  // Trailing zeros into the exponent, then the exponent down to a multiple of three.
  while (mantissa % TEN === 0n) {
    mantissa /= TEN;
    scale++;
  }
  const r = ((scale % 3) + 3) % 3;
  mantissa *= pow10(r);
  scale -= r;
  if (format === 'DecimalExponent') return `${neg}${mantissa}${scale === 0 ? '' : `e${scale}`}`;
  const suf = DECIMAL_SUFFIX[scale];
  // Past E (only for amounts validation refuses anyway): fall back to an exponent.
  return suf === undefined ? `${neg}${mantissa}e${scale}` : `${neg}${mantissa}${suf}`;
}

/** A JSON/YAML number as the text Kubernetes would parse (0.5 -> "0.5", 1e21 -> "1e+21" -> "1e21"). */
export function numberAsQuantityText(n: number): string {
  return String(n).replace('e+', 'e');
}

const isQuantity = (s: Schema) => s.type === 'string' && s.format === 'quantity';
/** The properties normalization visits: quantities, and those leading to one. */
const QUANTITIES = new ConcernPlan({ leaf: isQuantity });

/**
 * Rewrites every quantity field of obj (by its schema) to its canonical string: numbers become
 * quantities, valid strings their canonical form. Invalid values are left for validation, which
 * refuses them with the field's path (a number then shows as its text).
 */
export function normalizeQuantities(schema: Schema, v: unknown): void {
  if (v === null || typeof v !== 'object') return;
  const fix = (s: Schema, x: unknown): unknown => {
    if (!isQuantity(s)) {
      normalizeQuantities(s, x);
      return x;
    }
    const text = typeof x === 'number' ? numberAsQuantityText(x) : x;
    if (typeof text !== 'string') return x;
    return canonicalQuantity(text) ?? text;
  };
  if (schema.type === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const { key: k, schema: fs } of QUANTITIES.propsOf(schema)) if (o[k] !== undefined && o[k] !== null) o[k] = fix(fs, o[k]);
  } else if (schema.type === 'array' && Array.isArray(v)) {
    const item = resolve(schema.items);
    if (!QUANTITIES.reaches(item)) return;
    for (let i = 0; i < v.length; i++) if (v[i] !== null) v[i] = fix(item, v[i]);
  } else if (schema.type === 'map' && !Array.isArray(v)) {
    const vs = resolve(schema.values);
    if (!QUANTITIES.reaches(vs)) return;
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (o[k] !== null) o[k] = fix(vs, o[k]);
  }
}
