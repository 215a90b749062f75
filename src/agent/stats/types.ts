// What the stats collector measures (the pods the agent runs, described by the pod manager) and
// what one collection holds (cumulative counters and gauges, with the time each was read). The
// three endpoints (summary.ts, resource-metrics.ts, cadvisor-metrics.ts) are views of a Collection.

import type { DiskUsage } from '../eviction/disk-usage.js';
import type { CgroupSample } from './cgroup-reader.js';
import type { NodeSample } from './node-stats.js';
import type { InterfaceCounters } from './proc-files.js';

export interface StatsContainerTarget {
  name: string;
  /** The runtime's container id (its cgroup is <parent>/pod<uid>/<id>). */
  id: string;
  /** The image as the pod names it. */
  image: string;
  /** RFC 3339. */
  startedAt?: string;
  /** A process of the container (host PID): its /proc/<pid>/net/dev is the pod's network namespace. */
  pid?: number;
  /** The container's log directory (its logs' disk use). */
  logDir?: string;
  /** The container's writable layer (its rootfs disk use). */
  writableLayer?: string;
}

export interface StatsVolumeTarget {
  name: string;
  path: string;
  /** A PersistentVolumeClaim's volume: measured with statfs (the claim's own filesystem), reported with its pvcRef. */
  pvcName?: string;
}

/** A running pod as the pod manager describes it for statistics. */
export interface StatsPodTarget {
  uid: string;
  namespace: string;
  name: string;
  /** status.startTime (RFC 3339). */
  startTime?: string;
  /** Host network pods have no interfaces of their own. */
  hostNetwork: boolean;
  /** Running containers only (an exited container has no cgroup left to read). */
  containers: StatsContainerTarget[];
  volumes: StatsVolumeTarget[];
}

export interface FsFigures {
  time: number;
  capacityBytes?: number;
  availableBytes?: number;
  usedBytes?: number;
  inodes?: number;
  inodesFree?: number;
  inodesUsed?: number;
}

export interface ContainerCollection {
  target: StatsContainerTarget;
  /** cgroup path under the hierarchy root (cAdvisor's id label). */
  cgroup: string;
  cg: CgroupSample;
  /** Rate since the previous collection (nanocores); absent on the first. */
  usageNanoCores?: number;
  rootfs?: FsFigures;
  logs?: FsFigures;
}

export interface PodCollection {
  target: StatsPodTarget;
  cgroup: string;
  /** The pod cgroup (all its containers); absent if it could not be read. */
  cg?: CgroupSample;
  usageNanoCores?: number;
  containers: ContainerCollection[];
  network?: { time: number; interfaces: InterfaceCounters[] };
  volumes: { name: string; pvcName?: string; fs: FsFigures }[];
  ephemeral?: FsFigures;
  /** Processes and threads in the pod's cgroup (process_stats.process_count). */
  processCount?: number;
}

export interface Collection {
  nodeName: string;
  time: number;
  node: NodeSample & { usageNanoCores?: number; startTime?: string };
  /** The cgroup all pods are under (the summary's "pods" system container). */
  podsCgroup?: { cg: CgroupSample; usageNanoCores?: number };
  /** statfs of the agent's data dir (nodefs) and of the image store (imagefs), and the image store's use. */
  nodeFs?: FsFigures;
  imageFs?: FsFigures;
  /** The block device the data dir is on (cAdvisor's device label), when known. */
  device?: string;
  pods: PodCollection[];
  /** Cores the node has (machine_cpu_cores). */
  cpuCores: number;
}

export type { DiskUsage };
