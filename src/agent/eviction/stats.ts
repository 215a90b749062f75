// Where the eviction manager's numbers come from: an interface, so the decisions can be tested
// with made-up machines, and one real implementation (linux-stats.ts) that reads /proc, statfs
// and the cgroups the runtime puts pods in.

import type { DiskUsage } from './disk-usage.js';
import type { Observations } from './thresholds.js';

export interface StatsSource {
  /** The node's signals now; a signal that cannot be read is left out (and never crosses a threshold). */
  node(): Promise<Observations>;
  /** A container's memory working set in bytes (usage minus inactive file cache); undefined if unknown. */
  containerMemory(podUid: string, containerId: string): Promise<number | undefined>;
  /** Processes and threads in the pod's cgroup (its PID use); undefined if unknown. */
  podProcesses(podUid: string): Promise<number | undefined>;
  /** Local disk used under these paths (a pod's directory, logs, writable layers); undefined if unknown. */
  diskUsage(paths: string[]): Promise<DiskUsage | undefined>;
}
