// How metrics-server writes its figures: CPU in nanocores as a DecimalSI quantity (250000000n is
// "250m"), memory in bytes as a BinarySI quantity (1048576 is "1Mi", 1000000 stays "1000000"),
// windows as Go's time.Duration prints them ("15.003s", "1m0.5s", "500ms"), timestamps as
// metav1.Time (RFC 3339, whole seconds, UTC).

import { rfc3339 } from '../../../util/time.js';
import { canonicalQuantity } from '../../quantity-canonical.js';

/** Nanocores as metrics-server's resource.NewScaledQuantity(n, -9) prints. */
export function cpuQuantity(nanocores: number): string {
  const n = Number.isFinite(nanocores) && nanocores > 0 ? Math.floor(nanocores) : 0;
  return canonicalQuantity(`${BigInt(n)}n`) ?? '0';
}

const BINARY = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** Bytes as a BinarySI quantity: powers of 1024 while exact, plain bytes otherwise. */
export function memoryQuantity(bytes: number): string {
  let v = BigInt(Number.isFinite(bytes) && bytes > 0 ? Math.floor(bytes) : 0);
  if (v < 1024n) return String(v);
  let e = 0;
  while (v % 1024n === 0n && e < BINARY.length - 1) {
    v /= 1024n;
    e++;
  }
  return `${v}${BINARY[e]}`;
}

/** A quantity's amount in nanocores (cpu) or bytes; 0 for anything unparsable. */
export function quantityUnits(q: string, scale: 'nano' | 'one'): number {
  const m = /^(\d+(?:\.\d+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(q);
  if (!m) return 0;
  const mult: Record<string, number> = { '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  const v = Number(m[1]) * mult[m[2] ?? ''];
  return Math.round(scale === 'nano' ? v * 1e9 : v);
}

const trimFraction = (digits: string) => digits.replace(/0+$/, '');

/** Go's time.Duration.String() of a duration given in nanoseconds. */
export function goDuration(ns: number): string {
  let n = Math.round(Number.isFinite(ns) ? ns : 0);
  if (n === 0) return '0s';
  const neg = n < 0 ? '-' : '';
  n = Math.abs(n);
  if (n < 1e9) {
    // Below one second: the largest unit with a non-zero integer part.
    const [unit, size] = n < 1e3 ? ['ns', 1] : n < 1e6 ? ['µs', 1e3] : ['ms', 1e6];
    const whole = Math.floor(n / size);
    const frac = trimFraction(String(n % size).padStart(String(size).length - 1, '0'));
    return `${neg}${whole}${frac && size > 1 ? `.${frac}` : ''}${unit}`;
  }
  const totalSeconds = Math.floor(n / 1e9);
  const frac = trimFraction(String(n % 1e9).padStart(9, '0'));
  const s = totalSeconds % 60;
  const m = Math.floor(totalSeconds / 60) % 60;
  const h = Math.floor(totalSeconds / 3600);
  const sec = `${s}${frac ? `.${frac}` : ''}s`;
  if (h > 0) return `${neg}${h}h${m}m${sec}`;
  if (m > 0) return `${neg}${m}m${sec}`;
  return `${neg}${sec}`;
}

/** metav1.Time: RFC 3339 in UTC, whole seconds. */
export function metaTime(ms: number): string {
  return rfc3339(Math.floor(ms / 1000) * 1000);
}
