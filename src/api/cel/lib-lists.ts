// Kubernetes' CEL lists library (isSorted, sum, min, max, indexOf, lastIndexOf) and the sets
// extension Kubernetes enables (sets.contains, sets.equivalent, sets.intersects).

import { type CelFunc, type CelList, type CelValue, CelScalar, celFunc, celMethod, listType } from '@bufbuild/cel';
import { celCompare, celEquals } from './compare.js';

const LIST = listType(CelScalar.DYN);
const DYN = CelScalar.DYN;

function extreme(l: CelList, name: string, sign: number): CelValue {
  if (l.size === 0) throw new Error(`${name} called on empty list`);
  let best = l.get(0) as CelValue;
  for (const v of l) if (celCompare(v, best) * sign > 0) best = v;
  return best;
}

function sum(this: CelList): CelValue {
  let acc: CelValue | undefined;
  for (const v of this) {
    if (acc === undefined) acc = v;
    else if (typeof acc === 'bigint' && typeof v === 'bigint') acc = acc + v;
    else if (typeof acc === 'number' && typeof v === 'number') acc = acc + v;
    else throw new Error('no such overload: sum of mixed or non-numeric elements');
    if (typeof acc === 'bigint' && (acc > 9223372036854775807n || acc < -9223372036854775808n)) throw new Error('integer overflow');
  }
  if (acc !== undefined && typeof acc !== 'bigint' && typeof acc !== 'number') throw new Error('no such overload: sum of non-numeric elements');
  return acc ?? 0n;
}

export const listFuncs: CelFunc[] = [
  celMethod('isSorted', LIST, [], CelScalar.BOOL, function (this: CelList) {
    let prev: CelValue | undefined;
    for (const v of this) {
      if (prev !== undefined && celCompare(prev, v) > 0) return false;
      prev = v;
    }
    return true;
  }),
  celMethod('sum', LIST, [], DYN, sum as never),
  celMethod('min', LIST, [], DYN, function (this: CelList) {
    return extreme(this, 'min', -1) as never;
  }),
  celMethod('max', LIST, [], DYN, function (this: CelList) {
    return extreme(this, 'max', 1) as never;
  }),
  celMethod('indexOf', LIST, [DYN], CelScalar.INT, function (this: CelList, x: CelValue) {
    for (let i = 0; i < this.size; i++) if (celEquals(this.get(i) as CelValue, x)) return BigInt(i);
    return -1n;
  }),
  celMethod('lastIndexOf', LIST, [DYN], CelScalar.INT, function (this: CelList, x: CelValue) {
    for (let i = this.size - 1; i >= 0; i--) if (celEquals(this.get(i) as CelValue, x)) return BigInt(i);
    return -1n;
  }),
];

const includes = (l: CelList, x: CelValue) => {
  for (const v of l) if (celEquals(v, x)) return true;
  return false;
};
const containsAll = (a: CelList, b: CelList) => {
  for (const x of b) if (!includes(a, x)) return false;
  return true;
};

// Quadratic: env.ts charges size(a) * size(b) before the call.
export const setFuncs: CelFunc[] = [
  celFunc('sets.contains', [LIST, LIST], CelScalar.BOOL, (a: CelList, b: CelList) => containsAll(a, b)),
  celFunc('sets.equivalent', [LIST, LIST], CelScalar.BOOL, (a: CelList, b: CelList) => containsAll(a, b) && containsAll(b, a)),
  celFunc('sets.intersects', [LIST, LIST], CelScalar.BOOL, (a: CelList, b: CelList) => {
    for (const x of b) if (includes(a, x)) return true;
    return false;
  }),
];
