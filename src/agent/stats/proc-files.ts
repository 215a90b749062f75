// Parsers for the kernel files the stats collector reads: /proc/<pid>/net/dev (a pod's interfaces,
// read through one of its processes, which sees the pod's network namespace), /proc/stat (the
// node's CPU time when no root cgroup counts it), cgroup v1 cpuacct.stat and cgroup v2 cpu.stat.
// Each returns what it could parse and ignores the rest: the kernel adds fields over time.

import { parseKeyValues } from '../eviction/linux-stats.js';

export interface InterfaceCounters {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

/**
 * /proc/net/dev: two header lines, then "  eth0: rxBytes rxPackets rxErrs rxDrop fifo frame
 * compressed multicast txBytes txPackets txErrs txDrop ..." per interface.
 */
export function parseNetDev(text: string): InterfaceCounters[] {
  const out: InterfaceCounters[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (!name || f.length < 12 || f.slice(0, 12).some((n) => !Number.isFinite(n))) continue;
    out.push({ name, rxBytes: f[0], rxPackets: f[1], rxErrors: f[2], rxDropped: f[3], txBytes: f[8], txPackets: f[9], txErrors: f[10], txDropped: f[11] });
  }
  return out;
}

/** The clock ticks per second /proc/stat and cpuacct.stat count in (USER_HZ: 100 on every Linux architecture). */
export const USER_HZ = 100;

/**
 * The node's busy CPU time in nanoseconds from /proc/stat's "cpu" line: every column except idle and
 * iowait (guest time is already inside user and nice). Undefined if the line is missing.
 */
export function busyCpuNsFromProcStat(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return undefined;
  const [user, nice, system, , , irq = 0, softirq = 0, steal = 0] = f;
  return ((user + nice + system + irq + softirq + steal) * 1e9) / USER_HZ;
}

/** cgroup v1 cpuacct.stat ("user N\nsystem M", in USER_HZ ticks) in nanoseconds. */
export function parseCpuacctStat(text: string): { userNs?: number; systemNs?: number } {
  const kv = parseKeyValues(text);
  const user = kv.get('user');
  const system = kv.get('system');
  return { userNs: user === undefined ? undefined : (user * 1e9) / USER_HZ, systemNs: system === undefined ? undefined : (system * 1e9) / USER_HZ };
}

/** cgroup v2 cpu.stat (usage_usec, user_usec, system_usec: microseconds) in nanoseconds. */
export function parseCpuStatV2(text: string): { usageNs?: number; userNs?: number; systemNs?: number } {
  const kv = parseKeyValues(text);
  const ns = (k: string) => {
    const v = kv.get(k);
    return v === undefined ? undefined : v * 1000;
  };
  return { usageNs: ns('usage_usec'), userNs: ns('user_usec'), systemNs: ns('system_usec') };
}

/** A cgroup limit file: a number, or "max" (v2) / a huge page-rounded number (v1) for none. */
export function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === 'max' || t === '') return undefined;
  const n = Number(t);
  // v1 writes "no limit" as the largest page-aligned signed 64-bit value.
  return Number.isFinite(n) && n >= 0 && n < 2 ** 62 ? n : undefined;
}
