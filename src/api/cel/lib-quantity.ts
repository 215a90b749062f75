// Kubernetes' CEL quantity library: quantity(s), isQuantity(s), and on a Quantity isInteger,
// asInteger, asApproximateFloat, sign, add, sub, isLessThan, isGreaterThan, compareTo. Values are
// held exactly as a fraction num/den (den a power of ten), so "1Gi" vs "1073741824" compare equal.

import { type CelFunc, type CelValue, CelScalar, celFunc, celMethod } from '@bufbuild/cel';
import { quantityProblem } from '../quantity.js';
import { makeOpaque, opaqueOf } from './opaque.js';

interface Q {
  num: bigint;
  den: bigint;
}

const TAG = 'quantity';
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b) [a, b] = [b, a % b];
  return a || 1n;
}

function norm(q: Q): Q {
  const g = gcd(q.num, q.den);
  return { num: q.num / g, den: q.den / g };
}

export function parseExact(s: string): Q {
  const problem = quantityProblem(s);
  if (problem) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  const m = /^([+-]?)([0-9]*)\.?([0-9]*)(.*)$/.exec(s)!;
  let num = BigInt(`${m[2] || '0'}${m[3]}`);
  let den = 10n ** BigInt(m[3].length);
  if (m[1] === '-') num = -num;
  const suf = m[4];
  let pow10 = 0;
  if (suf in BINARY) num *= 2n ** BigInt(BINARY[suf]);
  else if (suf in DECIMAL) pow10 = DECIMAL[suf];
  else pow10 = Math.max(-60, Math.min(60, Number(suf.slice(1)))); // quantityProblem bounded the magnitude
  if (pow10 >= 0) num *= 10n ** BigInt(pow10);
  else den *= 10n ** BigInt(-pow10);
  return norm({ num, den });
}

const canonical = (q: Q) => (q.den === 1n ? String(q.num) : `${q.num}/${q.den}`);
const wrap = (q: Q) => makeOpaque(TAG, canonical(norm(q)), norm(q));
const of = (v: CelValue) => opaqueOf<Q>(TAG, v);
const cmp = (a: Q, b: Q) => {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
};
const add = (a: Q, b: Q, sign: bigint): Q => ({ num: a.num * b.den + sign * b.num * a.den, den: a.den * b.den });
const fromInt = (n: bigint): Q => ({ num: n, den: 1n });
const isInteger = (q: Q) => q.den === 1n && q.num <= INT64_MAX && q.num >= INT64_MIN;

const Q_T = CelScalar.DYN;
const { STRING, INT, BOOL, DOUBLE } = CelScalar;

export const quantityFuncs: CelFunc[] = [
  celFunc('quantity', [STRING], Q_T, (s: string) => wrap(parseExact(s)) as never),
  celFunc('isQuantity', [STRING], BOOL, (s: string) => quantityProblem(s) === undefined),
  celMethod('isInteger', Q_T, [], BOOL, function (this: CelValue) {
    return isInteger(of(this));
  }),
  celMethod('asInteger', Q_T, [], INT, function (this: CelValue) {
    const q = of(this);
    if (!isInteger(q)) throw new Error('cannot convert value to integer');
    return q.num;
  }),
  celMethod('asApproximateFloat', Q_T, [], DOUBLE, function (this: CelValue) {
    const q = of(this);
    return Number(q.num) / Number(q.den);
  }),
  celMethod('sign', Q_T, [], INT, function (this: CelValue) {
    const n = of(this).num;
    return n > 0n ? 1n : n < 0n ? -1n : 0n;
  }),
  celMethod('add', Q_T, [Q_T], Q_T, function (this: CelValue, o: CelValue) {
    return wrap(add(of(this), typeof o === 'bigint' ? fromInt(o) : of(o), 1n)) as never;
  }),
  celMethod('sub', Q_T, [Q_T], Q_T, function (this: CelValue, o: CelValue) {
    return wrap(add(of(this), typeof o === 'bigint' ? fromInt(o) : of(o), -1n)) as never;
  }),
  celMethod('isLessThan', Q_T, [Q_T], BOOL, function (this: CelValue, o: CelValue) {
    return cmp(of(this), of(o)) < 0;
  }),
  celMethod('isGreaterThan', Q_T, [Q_T], BOOL, function (this: CelValue, o: CelValue) {
    return cmp(of(this), of(o)) > 0;
  }),
  celMethod('compareTo', Q_T, [Q_T], INT, function (this: CelValue, o: CelValue) {
    return BigInt(cmp(of(this), of(o)));
  }),
];
