// Small helpers shared by the benchmarks: percentiles and a uniform result line.

import { readFileSync } from 'node:fs';

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)}ms`;

/** One line per figure, `bench <name>: <figure> (baseline <baseline>, ratio <r>)`, easy to grep into the README. */
export function report(name: string, figure: string, baseline: string, ratio: number, extra = '') {
  console.log(`bench ${name}: ${figure} | baseline ${baseline} | ratio ${ratio.toFixed(2)}${extra ? ' | ' + extra : ''}`);
}

/** A process and its descendants: gifee server supervises its component processes. */
export function processTree(pid: number): number[] {
  const children = (p: number): number[] => {
    try {
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  };
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...children(out[i]));
  return out;
}

/** Resident memory of one process, in bytes (NaN once it is gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of a process with its descendants, in bytes. */
export const treeRssBytes = (pid: number) => processTree(pid).reduce((sum, p) => sum + (rssBytes(p) || 0), 0);

/** Runs `total` operations with `clients` concurrent workers; returns operations per second and the sorted latencies (ms). */
export async function drive(total: number, clients: number, op: (i: number) => Promise<void>): Promise<{ perSec: number; lat: number[] }> {
  let next = 0;
  const lat: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t = performance.now();
        await op(i);
        lat.push(performance.now() - t);
      }
    }),
  );
  return { perSec: total / ((performance.now() - start) / 1000), lat: lat.sort((a, b) => a - b) };
}
