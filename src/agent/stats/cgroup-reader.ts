// One cgroup's CPU and memory figures, from cgroup v1 (a hierarchy per controller: cpuacct and
// memory) or v2 (one unified tree), computed as cAdvisor computes them for the kubelet:
// - CPU: cumulative nanoseconds (v1 cpuacct.usage; v2 cpu.stat usage_usec), user and system split;
// - memory usage (v1 memory.usage_in_bytes; v2 memory.current), working set = usage minus
//   inactive_file (eviction/linux-stats.ts workingSet), RSS (v1 total_rss; v2 anon), page cache
//   (v1 total_cache; v2 file), page faults, and the limit.
// A cgroup that does not exist (never made, or removed between listing and reading: a container
// that just exited) reads as undefined, never as an error: its series simply disappear.
//
// Files are read synchronously: they live in kernel memory (no disk I/O), and a read costs a few
// microseconds where a promise round trip costs more than the read.

import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseKeyValues, workingSet } from '../eviction/linux-stats.js';
import { parseCpuacctStat, parseCpuStatV2, parseLimit } from './proc-files.js';

export interface CgroupSample {
  /** When it was read (ms since the epoch). */
  time: number;
  cpuNs: number;
  cpuUserNs?: number;
  cpuSystemNs?: number;
  memoryUsage?: number;
  workingSet?: number;
  rss?: number;
  cache?: number;
  pageFaults?: number;
  majorPageFaults?: number;
  memoryLimit?: number;
}

export interface CgroupReader {
  readonly version: 1 | 2;
  /** A cgroup by its path under the hierarchy root ("/gifee/pod<uid>/<id>"; "/" for the root). */
  read(path: string): CgroupSample | undefined;
  /** Tasks (processes and threads) in the cgroup: pids.current; undefined if unknown. */
  tasks(path: string): number | undefined;
}

/** A small kernel file's text, or undefined if it cannot be read (gone, no permission). */
export function readSmall(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

const num = (text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(n) ? n : undefined;
};

/** cgroup v1: cpuacct (alone, or co-mounted as "cpu,cpuacct") and memory hierarchies under root. */
export class CgroupV1Reader implements CgroupReader {
  readonly version = 1 as const;
  private cpuacct: string;
  private memory: string;

  constructor(root = '/sys/fs/cgroup') {
    this.cpuacct = ['cpuacct', 'cpu,cpuacct', 'cpuacct,cpu'].map((d) => join(root, d)).find((d) => existsSync(join(d, 'cpuacct.usage'))) ?? join(root, 'cpuacct');
    this.memory = join(root, 'memory');
    this.pids = join(root, 'pids');
  }

  private pids: string;

  tasks(path: string): number | undefined {
    return num(readSmall(join(this.pids, path, 'pids.current')));
  }

  read(path: string): CgroupSample | undefined {
    const cpuDir = join(this.cpuacct, path);
    const cpuNs = num(readSmall(join(cpuDir, 'cpuacct.usage')));
    if (cpuNs === undefined) return undefined;
    const time = Date.now();
    const split = parseCpuacctStat(readSmall(join(cpuDir, 'cpuacct.stat')) ?? '');
    const memDir = join(this.memory, path);
    const usage = num(readSmall(join(memDir, 'memory.usage_in_bytes')));
    const s: CgroupSample = { time, cpuNs, cpuUserNs: split.userNs, cpuSystemNs: split.systemNs };
    if (usage === undefined) return s;
    const stat = parseKeyValues(readSmall(join(memDir, 'memory.stat')) ?? '');
    return {
      ...s,
      memoryUsage: usage,
      workingSet: workingSet(usage, stat),
      rss: stat.get('total_rss') ?? stat.get('rss'),
      cache: stat.get('total_cache') ?? stat.get('cache'),
      pageFaults: stat.get('total_pgfault') ?? stat.get('pgfault'),
      majorPageFaults: stat.get('total_pgmajfault') ?? stat.get('pgmajfault'),
      // The root's limit file holds the "no limit" value: parseLimit leaves it out.
      memoryLimit: parseLimit(readSmall(join(memDir, 'memory.limit_in_bytes'))),
    };
  }
}

/**
 * cgroup v2 (Documentation/admin-guide/cgroup-v2.rst): cpu.stat exists in every cgroup whether or
 * not the cpu controller is enabled; memory.current, memory.stat and memory.max exist where the
 * memory controller is enabled, never at the root (the node's memory comes from /proc/meminfo).
 */
export class CgroupV2Reader implements CgroupReader {
  readonly version = 2 as const;
  constructor(private root = '/sys/fs/cgroup') {}

  tasks(path: string): number | undefined {
    return num(readSmall(join(this.root, path, 'pids.current')));
  }

  read(path: string): CgroupSample | undefined {
    const dir = join(this.root, path);
    const cpu = parseCpuStatV2(readSmall(join(dir, 'cpu.stat')) ?? '');
    if (cpu.usageNs === undefined) return undefined;
    const time = Date.now();
    const s: CgroupSample = { time, cpuNs: cpu.usageNs, cpuUserNs: cpu.userNs, cpuSystemNs: cpu.systemNs };
    const usage = num(readSmall(join(dir, 'memory.current')));
    if (usage === undefined) return s;
    const stat = parseKeyValues(readSmall(join(dir, 'memory.stat')) ?? '');
    return {
      ...s,
      memoryUsage: usage,
      workingSet: workingSet(usage, stat),
      rss: stat.get('anon'),
      cache: stat.get('file'),
      pageFaults: stat.get('pgfault'),
      majorPageFaults: stat.get('pgmajfault'),
      memoryLimit: parseLimit(readSmall(join(dir, 'memory.max'))),
    };
  }
}

/** v2 when the root is the unified hierarchy (it has cgroup.controllers), else v1 (this repo's test machines: hybrid). */
export function detectCgroupReader(root = '/sys/fs/cgroup'): CgroupReader {
  return existsSync(join(root, 'cgroup.controllers')) ? new CgroupV2Reader(root) : new CgroupV1Reader(root);
}
