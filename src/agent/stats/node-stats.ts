// The node's own figures, as cAdvisor reports its root container for the kubelet: CPU from the root
// cgroup (v1 cpuacct.usage counts every task; on v2 the root's cpu.stat), else /proc/stat's busy
// time; memory from the root memory cgroup on v1 (usage minus inactive_file), and on v2, whose root
// has no usage file, from /proc/meminfo (MemTotal - MemFree, minus Inactive(file)); the host's
// interfaces from /proc/net/dev; process counts from /proc/loadavg and the kernel's limits.

import { join } from 'node:path';
import { parseKeyValues, tasksFromLoadavg } from '../eviction/linux-stats.js';
import { type CgroupReader, type CgroupSample, readSmall } from './cgroup-reader.js';
import { busyCpuNsFromProcStat, type InterfaceCounters, parseNetDev } from './proc-files.js';

/** Interfaces cAdvisor leaves out of the node's network figures: loopback and containers' host ends. */
const IGNORED_INTERFACE = /^(lo|veth|docker|nerdctl)/;

export interface NodeSample {
  time: number;
  cpuNs?: number;
  memory?: { total: number; usage: number; workingSet: number; rss?: number; pageFaults?: number; majorPageFaults?: number };
  interfaces: InterfaceCounters[];
  /** Processes (tasks) running and the most the kernel allows. */
  processes?: { current: number; max: number };
  /** The root cgroup as read (for cAdvisor's id="/" series). */
  root?: CgroupSample;
}

export function readNodeSample(cgroups: CgroupReader, procRoot = '/proc'): NodeSample {
  const time = Date.now();
  const root = cgroups.read('/');
  const cpuNs = root?.cpuNs ?? busyCpuNsFromProcStat(readSmall(join(procRoot, 'stat')) ?? '');
  const meminfo = parseKeyValues(readSmall(join(procRoot, 'meminfo')) ?? '');
  const total = meminfo.get('MemTotal');
  let memory: NodeSample['memory'];
  if (total) {
    if (root?.memoryUsage !== undefined && root.workingSet !== undefined) {
      memory = { total, usage: root.memoryUsage, workingSet: root.workingSet, rss: root.rss, pageFaults: root.pageFaults, majorPageFaults: root.majorPageFaults };
    } else {
      const usage = Math.max(0, total - (meminfo.get('MemFree') ?? 0));
      memory = { total, usage, workingSet: Math.max(0, usage - (meminfo.get('Inactive(file)') ?? 0)), rss: meminfo.get('AnonPages') };
    }
  }
  const interfaces = parseNetDev(readSmall(join(procRoot, 'net', 'dev')) ?? '').filter((i) => !IGNORED_INTERFACE.test(i.name));
  const tasks = tasksFromLoadavg(readSmall(join(procRoot, 'loadavg')) ?? '');
  const limits = ['pid_max', 'threads-max'].map((f) => Number((readSmall(join(procRoot, 'sys', 'kernel', f)) ?? '').trim())).filter((n) => n > 0);
  const processes = tasks !== undefined && limits.length ? { current: tasks, max: Math.min(...limits) } : undefined;
  return { time, cpuNs, memory, interfaces, processes, root };
}
