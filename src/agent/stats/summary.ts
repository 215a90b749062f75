// /stats/summary: the kubelet's Summary API (k8s.io/kubelet/pkg/apis/stats/v1alpha1): the node
// (cpu, memory, network, fs, runtime.imageFs, rlimit, the "pods" system container) and every pod
// (podRef, cpu, memory, network, volume, ephemeral-storage, process_stats, containers with cpu,
// memory, rootfs and logs). Times are RFC 3339 to the second, as metav1.Time marshals. With
// only_cpu_and_memory the pods and node carry CPU and memory alone (GetCPUAndMemoryStats).

import { rfc3339 } from '../../util/time.js';
import type { CgroupSample } from './cgroup-reader.js';
import type { InterfaceCounters } from './proc-files.js';
import type { Collection, FsFigures } from './types.js';

const secondsOf = (t: string | undefined) => (t ? rfc3339(Date.parse(t)) : undefined);

function cpu(s: CgroupSample | undefined, nanoCores: number | undefined) {
  if (!s) return undefined;
  return { time: rfc3339(s.time), ...(nanoCores !== undefined ? { usageNanoCores: nanoCores } : {}), usageCoreNanoSeconds: Math.round(s.cpuNs) };
}

function memory(s: CgroupSample | undefined) {
  if (!s || s.memoryUsage === undefined) return undefined;
  return {
    time: rfc3339(s.time),
    ...(s.memoryLimit !== undefined && s.workingSet !== undefined ? { availableBytes: Math.max(0, s.memoryLimit - s.workingSet) } : {}),
    usageBytes: s.memoryUsage,
    workingSetBytes: s.workingSet,
    rssBytes: s.rss,
    pageFaults: s.pageFaults,
    majorPageFaults: s.majorPageFaults,
  };
}

function fs(f: FsFigures | undefined) {
  if (!f) return undefined;
  return { time: rfc3339(f.time), availableBytes: f.availableBytes, capacityBytes: f.capacityBytes, usedBytes: f.usedBytes, inodesFree: f.inodesFree, inodes: f.inodes, inodesUsed: f.inodesUsed };
}

const iface = (i: InterfaceCounters) => ({ name: i.name, rxBytes: i.rxBytes, rxErrors: i.rxErrors, txBytes: i.txBytes, txErrors: i.txErrors });

/** NetworkStats: the default interface (eth0) inline, every interface listed. */
function network(time: number, interfaces: InterfaceCounters[]) {
  const eth0 = interfaces.find((i) => i.name === 'eth0');
  return { time: rfc3339(time), ...(eth0 ? iface(eth0) : {}), interfaces: interfaces.map(iface) };
}

export function buildSummary(c: Collection, onlyCpuAndMemory = false): object {
  const n = c.node;
  const nodeMemory = n.memory ? { time: rfc3339(n.time), availableBytes: Math.max(0, n.memory.total - n.memory.workingSet), usageBytes: n.memory.usage, workingSetBytes: n.memory.workingSet, rssBytes: n.memory.rss, pageFaults: n.memory.pageFaults, majorPageFaults: n.memory.majorPageFaults } : undefined;
  const nodeCpu = n.cpuNs !== undefined ? { time: rfc3339(n.time), ...(n.usageNanoCores !== undefined ? { usageNanoCores: n.usageNanoCores } : {}), usageCoreNanoSeconds: Math.round(n.cpuNs) } : undefined;
  const node = {
    nodeName: c.nodeName,
    // The kubelet's "pods" system container: the cgroup every pod is under.
    systemContainers: c.podsCgroup ? [{ name: 'pods', startTime: n.startTime, cpu: cpu(c.podsCgroup.cg, c.podsCgroup.usageNanoCores), memory: memory(c.podsCgroup.cg) }] : undefined,
    startTime: n.startTime,
    cpu: nodeCpu,
    memory: nodeMemory,
    ...(onlyCpuAndMemory
      ? {}
      : {
          network: network(n.time, n.interfaces),
          fs: fs(c.nodeFs),
          runtime: c.imageFs ? { imageFs: fs(c.imageFs), containerFs: fs(c.imageFs) } : undefined,
          rlimit: n.processes ? { time: rfc3339(n.time), maxpid: n.processes.max, curproc: n.processes.current } : undefined,
        }),
  };
  const pods = c.pods.map((p) => {
    const containers = p.containers.map((ct) => ({
      name: ct.target.name,
      startTime: secondsOf(ct.target.startedAt),
      cpu: cpu(ct.cg, ct.usageNanoCores),
      memory: memory(ct.cg),
      ...(onlyCpuAndMemory ? {} : { rootfs: fs(ct.rootfs), logs: fs(ct.logs) }),
    }));
    const base = {
      podRef: { name: p.target.name, namespace: p.target.namespace, uid: p.target.uid },
      startTime: secondsOf(p.target.startTime),
      containers,
      cpu: cpu(p.cg, p.usageNanoCores),
      memory: memory(p.cg),
    };
    if (onlyCpuAndMemory) return base;
    return {
      ...base,
      network: p.network ? network(p.network.time, p.network.interfaces) : undefined,
      volume: p.volumes.map((v) => ({ ...fs(v.fs), name: v.name, ...(v.pvcName ? { pvcRef: { name: v.pvcName, namespace: p.target.namespace } } : {}) })),
      'ephemeral-storage': fs(p.ephemeral),
      process_stats: p.processCount !== undefined ? { process_count: p.processCount } : undefined,
    };
  });
  // JSON.stringify drops the undefined fields, as omitempty does.
  return { node, pods };
}
