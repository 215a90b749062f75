// A container's figures from its process when it has no cgroup: the process runtime (no root, no
// isolation) runs containers as plain host processes. CPU is the process's own user and system time
// plus that of its children it has waited for (/proc/<pid>/stat utime, stime, cutime, cstime, in
// USER_HZ ticks); memory is its resident set (/proc/<pid>/status VmRSS), which is also its working
// set here (no page cache is charged to a process). A process that is gone reads as undefined.

import { join } from 'node:path';
import { parseKeyValues } from '../eviction/linux-stats.js';
import { type CgroupSample, readSmall } from './cgroup-reader.js';
import { USER_HZ } from './proc-files.js';

/** utime+stime+cutime+cstime in ns from /proc/<pid>/stat (fields 14-17; the command may hold spaces and parentheses). */
export function cpuNsFromPidStat(text: string): { cpuNs: number; userNs: number; systemNs: number } | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text
    .slice(close + 2)
    .trim()
    .split(/\s+/)
    .map(Number);
  // f[0] is field 3 (state, NaN here): utime is field 14, so f[11].
  const [utime, stime, cutime, cstime] = [f[11], f[12], f[13], f[14]];
  if (![utime, stime, cutime, cstime].every((n) => Number.isFinite(n) && n >= 0)) return undefined;
  const tick = 1e9 / USER_HZ;
  return { cpuNs: (utime + stime + cutime + cstime) * tick, userNs: (utime + cutime) * tick, systemNs: (stime + cstime) * tick };
}

export function readProcessSample(pid: number, procRoot = '/proc'): CgroupSample | undefined {
  const cpu = cpuNsFromPidStat(readSmall(join(procRoot, String(pid), 'stat')) ?? '');
  if (!cpu) return undefined;
  const rss = parseKeyValues(readSmall(join(procRoot, String(pid), 'status')) ?? '').get('VmRSS');
  return { time: Date.now(), cpuNs: cpu.cpuNs, cpuUserNs: cpu.userNs, cpuSystemNs: cpu.systemNs, ...(rss !== undefined ? { memoryUsage: rss, workingSet: rss, rss } : {}) };
}

/** A pod's figures as the sum of its containers' (no pod cgroup to read). */
export function sumSamples(samples: CgroupSample[]): CgroupSample | undefined {
  if (samples.length === 0) return undefined;
  const sum = (k: keyof CgroupSample) => (samples.every((s) => s[k] !== undefined) ? samples.reduce((a, s) => a + (s[k] as number), 0) : undefined);
  return { time: Math.max(...samples.map((s) => s.time)), cpuNs: sum('cpuNs')!, cpuUserNs: sum('cpuUserNs'), cpuSystemNs: sum('cpuSystemNs'), memoryUsage: sum('memoryUsage'), workingSet: sum('workingSet'), rss: sum('rss') };
}
