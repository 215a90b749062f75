// Byte counts <-> resource quantities as the sidecars need them: a request parsed to bytes, and a
// driver's byte count written as Kubernetes' resource.NewQuantity(n, BinarySI) would print it.

import { parseQuantity } from '../api/quantity.js';

const BINARY = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** Bytes as a quantity: the largest binary suffix that divides it exactly ("1Gi", "1536Mi"), else plain bytes. */
export function bytesQuantity(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0';
  let v = Math.round(n);
  let i = 0;
  while (i < BINARY.length - 1 && v % 1024 === 0) {
    v /= 1024;
    i++;
  }
  return `${v}${BINARY[i]}`;
}

/** A quantity's bytes, rounded up; undefined when missing or unparsable. */
export function quantityBytes(q: string | undefined): number | undefined {
  if (q === undefined) return undefined;
  try {
    const n = Math.ceil(parseQuantity(q));
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
