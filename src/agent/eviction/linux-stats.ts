// The node's eviction signals from the real machine, computed as the kubelet computes them:
// - memory.available: MemTotal minus the root memory cgroup's working set (usage minus
//   inactive_file: page cache the kernel can drop is not pressure), falling back to
//   /proc/meminfo's MemAvailable where the root cgroup cannot be read;
// - nodefs.*: statfs of the agent's data dir; imagefs.*: statfs of the image store;
// - pid.available: min(pid_max, threads-max) minus the tasks the kernel runs (threads count,
//   as they take PIDs too).
// Container working sets come from the container's memory cgroup under <parent>/pod<uid>/<id>;
// pods' disk use from walking their directories (disk-usage.ts).

import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { StatsSource } from './stats.js';
import { diskUsage, type DiskUsage } from './disk-usage.js';
import type { Observation, Observations } from './thresholds.js';
import { ifMissing, logFailureOnce } from '../../util/best-effort.js';
import { logger } from '../../util/log.js';

const log = logger('agent');

export interface LinuxStatsOptions {
  /** The filesystem the agent's state (pods' emptyDirs, logs, containers' upper dirs) lives on. */
  nodefsPath: string;
  /** The image store's directory. */
  imagefsPath: string;
  /** The runtime's cgroup parent ("gifee"). */
  cgroupParent: string;
  /** /sys/fs/cgroup and /proc, replaceable for tests. */
  cgroupRoot?: string;
  procRoot?: string;
}

/** "key value" lines (memory.stat) or "Key:   value kB" lines (/proc/meminfo) into numbers. */
export function parseKeyValues(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const parts = line.replace(':', ' ').trim().split(/\s+/);
    if (parts.length < 2) continue;
    const n = Number(parts[1]);
    if (Number.isFinite(n)) m.set(parts[0], parts[2] === 'kB' ? n * 1024 : n);
  }
  return m;
}

/** Working set from a cgroup's usage and memory.stat (v1 names "total_inactive_file", v2 "inactive_file"). */
export function workingSet(usage: number, stat: Map<string, number>): number {
  const inactive = stat.get('total_inactive_file') ?? stat.get('inactive_file') ?? 0;
  return Math.max(0, usage - inactive);
}

/** Tasks (threads) the kernel runs: the denominator of /proc/loadavg's fourth field ("1/220"). */
export function tasksFromLoadavg(text: string): number | undefined {
  const m = /^\S+ \S+ \S+ \d+\/(\d+) /.exec(text);
  return m ? Number(m[1]) : undefined;
}

export class LinuxStats implements StatsSource {
  private cg: string;
  private proc: string;

  constructor(private o: LinuxStatsOptions) {
    this.cg = o.cgroupRoot ?? '/sys/fs/cgroup';
    this.proc = o.procRoot ?? '/proc';
  }

  async node(): Promise<Observations> {
    const out: Observations = {};
    const mem = await this.memory();
    if (mem) out['memory.available'] = mem;
    const node = await fsStats(this.o.nodefsPath);
    if (node) {
      out['nodefs.available'] = node.bytes;
      if (node.inodes) out['nodefs.inodesFree'] = node.inodes;
    }
    const image = await fsStats(this.o.imagefsPath);
    if (image) {
      out['imagefs.available'] = image.bytes;
      if (image.inodes) out['imagefs.inodesFree'] = image.inodes;
    }
    const pid = await this.pids();
    if (pid) out['pid.available'] = pid;
    return out;
  }

  private async memory(): Promise<Observation | undefined> {
    const meminfo = parseKeyValues(await readFile(join(this.proc, 'meminfo'), 'utf8').catch(() => ''));
    const total = meminfo.get('MemTotal');
    if (!total) return undefined;
    // cgroup v1: the memory hierarchy's root; v2 has no usage file at its root, so MemAvailable there.
    const usage = Number((await readFile(join(this.cg, 'memory', 'memory.usage_in_bytes'), 'utf8').catch(() => '')).trim());
    if (usage > 0) {
      const stat = parseKeyValues(await readFile(join(this.cg, 'memory', 'memory.stat'), 'utf8').catch(() => ''));
      return { available: Math.max(0, total - workingSet(usage, stat)), capacity: total };
    }
    const avail = meminfo.get('MemAvailable');
    return avail !== undefined ? { available: avail, capacity: total } : undefined;
  }

  private async pids(): Promise<Observation | undefined> {
    const limits = await Promise.all(['pid_max', 'threads-max'].map(async (f) => Number((await readFile(join(this.proc, 'sys', 'kernel', f), 'utf8').catch(() => '')).trim())));
    const max = Math.min(...limits.filter((n) => n > 0));
    const tasks = tasksFromLoadavg(await readFile(join(this.proc, 'loadavg'), 'utf8').catch(() => ''));
    if (!Number.isFinite(max) || tasks === undefined) return undefined;
    return { available: Math.max(0, max - tasks), capacity: max };
  }

  diskUsage(paths: string[]): Promise<DiskUsage | undefined> {
    return diskUsage(paths).catch(logFailureOnce(log, 'measuring disk usage', { paths }));
  }

  podProcesses(podUid: string): Promise<number | undefined> {
    return podPidsCurrent(this.cg, this.o.cgroupParent, podUid);
  }

  async containerMemory(podUid: string, containerId: string): Promise<number | undefined> {
    const rel = join(this.o.cgroupParent, `pod${podUid}`, containerId);
    for (const [usageFile, statFile] of [
      [join(this.cg, 'memory', rel, 'memory.usage_in_bytes'), join(this.cg, 'memory', rel, 'memory.stat')],
      [join(this.cg, rel, 'memory.current'), join(this.cg, rel, 'memory.stat')],
    ]) {
      const text = await readFile(usageFile, 'utf8').catch(ifMissing);
      if (text === undefined) continue;
      const usage = Number(text.trim());
      if (!Number.isFinite(usage)) return undefined;
      return workingSet(usage, parseKeyValues(await readFile(statFile, 'utf8').catch(() => '')));
    }
    return undefined;
  }
}

/** pids.current of the pod cgroup (v1 pids hierarchy, else v2). */
export async function podPidsCurrent(cgroupRoot: string, cgroupParent: string, podUid: string): Promise<number | undefined> {
  const rel = join(cgroupParent, `pod${podUid}`, 'pids.current');
  for (const f of [join(cgroupRoot, 'pids', rel), join(cgroupRoot, rel)]) {
    const text = await readFile(f, 'utf8').catch(ifMissing);
    if (text === undefined) continue;
    const n = Number(text.trim());
    return Number.isInteger(n) && n >= 0 ? n : undefined;
  }
  return undefined;
}

async function fsStats(path: string): Promise<{ bytes: Observation; inodes?: Observation } | undefined> {
  const s = await statfs(path).catch(ifMissing);
  if (!s) return undefined;
  const bytes = { available: Number(s.bavail) * Number(s.bsize), capacity: Number(s.blocks) * Number(s.bsize) };
  // Some filesystems (btrfs, tmpfs with nr_inodes=0) have no inode limit: no inode signal then.
  return Number(s.files) > 0 ? { bytes, inodes: { available: Number(s.ffree), capacity: Number(s.files) } } : { bytes };
}
