// CEL equality and ordering over runtime values, for the library functions that need them
// (@bufbuild/cel keeps its own private). Numbers compare across int/uint/double as CEL does.

import { type CelValue, isCelList, isCelMap, isCelUint } from '@bufbuild/cel';

const num = (v: unknown): number | bigint | undefined => (typeof v === 'bigint' || typeof v === 'number' ? v : isCelUint(v) ? v.value : undefined);

export function celEquals(a: CelValue, b: CelValue): boolean {
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return typeof na === typeof nb ? na === nb : Number(na) === Number(nb);
  if (isCelList(a) && isCelList(b)) {
    if (a.size !== b.size) return false;
    for (let i = 0; i < a.size; i++) if (!celEquals(a.get(i) as CelValue, b.get(i) as CelValue)) return false;
    return true;
  }
  if (isCelMap(a) && isCelMap(b)) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !celEquals(v, b.get(k) as CelValue)) return false;
    return true;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.from(a).equals(Buffer.from(b));
  return a === b;
}

/** -1, 0 or 1; throws for values CEL cannot order against each other. */
export function celCompare(a: CelValue, b: CelValue): number {
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) {
    if (typeof na === 'number' && Number.isNaN(na)) throw new Error('NaN cannot be ordered');
    if (typeof nb === 'number' && Number.isNaN(nb)) throw new Error('NaN cannot be ordered');
    return na < nb ? -1 : na > nb ? 1 : 0;
  }
  if ((typeof a === 'string' && typeof b === 'string') || (typeof a === 'boolean' && typeof b === 'boolean')) return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  throw new Error(`no such overload: values of these types cannot be compared`);
}
