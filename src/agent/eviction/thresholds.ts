// Eviction thresholds in the kubelet's --eviction-hard syntax ("memory.available<100Mi,
// nodefs.available<10%"): which signals exist, their default hard thresholds, and whether an
// observation of the node crosses one. A threshold is either a quantity or a percentage of the
// signal's capacity; the only operator is "<", as in the kubelet.

import { isQuantity, parseQuantity } from '../../api/quantity.js';

export const SIGNALS = ['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'imagefs.available', 'imagefs.inodesFree', 'pid.available'] as const;
export type Signal = (typeof SIGNALS)[number];

export interface Threshold {
  signal: Signal;
  /** Absolute value (bytes, inodes or PIDs), or a fraction of capacity (0..1]; exactly one is set. */
  quantity?: number;
  percentage?: number;
  /** As written, for messages ("100Mi", "10%"). */
  text: string;
  /** Soft thresholds (--eviction-soft) only: how long the signal must stay past it before a pod is evicted. */
  gracePeriodMs?: number;
}

/**
 * The kubelet's default hard thresholds on Linux. It sets none for pid.available, and neither do
 * we: PIDPressure then needs an explicit pid.available threshold.
 */
export const DEFAULT_EVICTION_HARD = 'memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%,imagefs.inodesFree<5%';

/** "" = no thresholds at all (eviction off). Like the kubelet, a given list replaces the defaults entirely. */
export function parseEvictionThresholds(spec: string): Threshold[] {
  const out: Threshold[] = [];
  const text = spec.trim();
  if (!text) return out;
  for (const raw of text.split(',')) {
    const stmt = raw.trim();
    if (!stmt) throw new Error(`empty threshold in "${spec}": expected SIGNAL<VALUE[,SIGNAL<VALUE...]`);
    const op = /[<>=!]+/.exec(stmt);
    if (!op) throw new Error(`threshold "${stmt}" has no operator: expected SIGNAL<VALUE, e.g. memory.available<100Mi`);
    if (op[0] !== '<') throw new Error(`threshold "${stmt}": unsupported operator "${op[0]}" (only < is supported)`);
    const name = stmt.slice(0, op.index).trim();
    const value = stmt.slice(op.index + 1).trim();
    if (!(SIGNALS as readonly string[]).includes(name)) throw new Error(`threshold "${stmt}": unknown eviction signal "${name}" (one of ${SIGNALS.join(', ')})`);
    const signal = name as Signal;
    if (out.some((t) => t.signal === signal)) throw new Error(`threshold for signal ${signal} given twice in "${spec}"`);
    if (value.endsWith('%')) {
      const n = value.slice(0, -1);
      if (!/^\d+(\.\d+)?$/.test(n)) throw new Error(`threshold "${stmt}": "${value}" is not a percentage`);
      const p = Number(n);
      if (p <= 0 || p > 100) throw new Error(`threshold "${stmt}": a percentage must be above 0% and at most 100%`);
      out.push({ signal, percentage: p / 100, text: value });
    } else {
      if (!isQuantity(value)) throw new Error(`threshold "${stmt}": "${value}" is not a quantity (e.g. 100Mi, 1Gi, 5000)`);
      const q = parseQuantity(value);
      if (!(q >= 0) || !Number.isFinite(q)) throw new Error(`threshold "${stmt}": must not be negative`);
      out.push({ signal, quantity: q, text: value });
    }
  }
  return out;
}

/**
 * --eviction-soft with --eviction-soft-grace-period ("memory.available=1m30s,nodefs.available=2m"):
 * every soft threshold needs its grace period, as the kubelet requires.
 */
export function parseSoftThresholds(spec: string, gracePeriods: string, parseDuration: (text: string) => number): Threshold[] {
  const soft = parseEvictionThresholds(spec);
  const periods = new Map<string, number>();
  for (const raw of gracePeriods.split(',')) {
    const stmt = raw.trim();
    if (!stmt) continue;
    const eq = stmt.indexOf('=');
    if (eq < 0) throw new Error(`grace period "${stmt}": expected SIGNAL=DURATION, e.g. memory.available=1m30s`);
    const signal = stmt.slice(0, eq).trim();
    if (!(SIGNALS as readonly string[]).includes(signal)) throw new Error(`grace period "${stmt}": unknown eviction signal "${signal}" (one of ${SIGNALS.join(', ')})`);
    if (periods.has(signal)) throw new Error(`grace period for signal ${signal} given twice`);
    periods.set(signal, parseDuration(stmt.slice(eq + 1).trim()));
  }
  for (const t of soft) {
    const g = periods.get(t.signal);
    if (g === undefined) throw new Error(`the soft threshold ${t.signal}<${t.text} needs a grace period: add ${t.signal}=DURATION to --eviction-soft-grace-period`);
    t.gracePeriodMs = g;
  }
  for (const signal of periods.keys()) if (!soft.some((t) => t.signal === signal)) throw new Error(`grace period for ${signal}, which has no soft threshold in --eviction-soft`);
  return soft;
}

/** What the node has of a signal's resource now: how much is left, out of how much. */
export interface Observation {
  available: number;
  capacity: number;
}
export type Observations = Partial<Record<Signal, Observation>>;

/** The threshold as an absolute amount for this capacity. */
export function thresholdAmount(t: Threshold, capacity: number): number {
  return t.quantity !== undefined ? t.quantity : Math.floor((t.percentage ?? 0) * capacity);
}

/** Thresholds the observations cross. A signal that could not be observed crosses nothing. */
export function thresholdsMet(thresholds: Threshold[], obs: Observations): Threshold[] {
  return thresholds.filter((t) => {
    const o = obs[t.signal];
    return o !== undefined && Number.isFinite(o.available) && o.available < thresholdAmount(t, o.capacity);
  });
}

/** The node condition a signal's pressure shows as. */
export type PressureCondition = 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';
export function conditionOf(signal: Signal): PressureCondition {
  if (signal === 'memory.available') return 'MemoryPressure';
  if (signal === 'pid.available') return 'PIDPressure';
  return 'DiskPressure';
}

/** The resource a signal starves, as the kubelet names it in eviction messages. */
export function resourceOf(signal: Signal): 'memory' | 'ephemeral-storage' | 'pids' {
  if (signal === 'memory.available') return 'memory';
  if (signal === 'pid.available') return 'pids';
  return 'ephemeral-storage';
}
