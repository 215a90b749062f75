// /metrics/cadvisor: the container_* series of the cAdvisor the kubelet embeds, with the labels the
// kubelet gives them (container, id = the cgroup path, image, name = the runtime's container id,
// namespace, pod), so dashboards and alerts written for Kubernetes work unchanged. Series exist for
// the root cgroup (id="/", every other label empty: the node), each pod's cgroup (container="",
// carrying the pod's network interfaces) and each running container (CPU, memory, its writable
// layer's disk use). Help texts and types are cAdvisor's; samples carry the time they were read.

import { type Family, renderFamilies } from './prom-text.js';
import type { CgroupSample } from './cgroup-reader.js';
import type { InterfaceCounters } from './proc-files.js';
import type { Collection } from './types.js';

type Labels = Record<string, string>;

/** Identity of the machine for machine_* series (the kubelet's boot_id, machine_id, system_uuid labels). */
export interface MachineIds {
  boot_id: string;
  machine_id: string;
  system_uuid: string;
}

export function renderCadvisorMetrics(c: Collection | undefined, machine: MachineIds & { memoryBytes?: number }): string {
  const fams = new Map<string, Family>();
  const add = (name: string, help: string, type: Family['type'], labels: Labels, value: number | undefined, timestamp?: number) => {
    if (value === undefined || !Number.isFinite(value)) return;
    let f = fams.get(name);
    if (!f) fams.set(name, (f = { name, help, type, samples: [] }));
    f.samples.push({ labels, value, timestamp });
  };
  add('container_scrape_error', '1 if there was an error while getting container metrics, 0 otherwise', 'gauge', {}, c ? 0 : 1);
  const ids = { boot_id: machine.boot_id, machine_id: machine.machine_id, system_uuid: machine.system_uuid };
  if (!c) return renderFamilies([...fams.values()]);
  add('machine_cpu_cores', 'Number of logical CPU cores.', 'gauge', ids, c.cpuCores);
  add('machine_memory_bytes', 'Amount of memory installed on the machine.', 'gauge', ids, c.node.memory?.total ?? machine.memoryBytes);

  const cgroupSeries = (labels: Labels, s: CgroupSample) => {
    const t = s.time;
    add('container_cpu_usage_seconds_total', 'Cumulative cpu time consumed in seconds.', 'counter', { ...labels, cpu: 'total' }, s.cpuNs / 1e9, t);
    if (s.cpuUserNs !== undefined) add('container_cpu_user_seconds_total', 'Cumulative user cpu time consumed in seconds.', 'counter', labels, s.cpuUserNs / 1e9, t);
    if (s.cpuSystemNs !== undefined) add('container_cpu_system_seconds_total', 'Cumulative system cpu time consumed in seconds.', 'counter', labels, s.cpuSystemNs / 1e9, t);
    add('container_memory_usage_bytes', 'Current memory usage in bytes, including all memory regardless of when it was accessed', 'gauge', labels, s.memoryUsage, t);
    add('container_memory_working_set_bytes', 'Current working set in bytes.', 'gauge', labels, s.workingSet, t);
    add('container_memory_rss', 'Size of RSS in bytes.', 'gauge', labels, s.rss, t);
    add('container_memory_cache', 'Number of bytes of page cache memory.', 'gauge', labels, s.cache, t);
    if (s.memoryUsage !== undefined) add('container_spec_memory_limit_bytes', 'Memory limit for the container.', 'gauge', labels, s.memoryLimit ?? 0, t);
  };
  const networkSeries = (labels: Labels, time: number, interfaces: InterfaceCounters[]) => {
    for (const i of interfaces) {
      const l = { ...labels, interface: i.name };
      add('container_network_receive_bytes_total', 'Cumulative count of bytes received', 'counter', l, i.rxBytes, time);
      add('container_network_receive_packets_total', 'Cumulative count of packets received', 'counter', l, i.rxPackets, time);
      add('container_network_receive_errors_total', 'Cumulative count of errors encountered while receiving', 'counter', l, i.rxErrors, time);
      add('container_network_receive_packets_dropped_total', 'Cumulative count of packets dropped while receiving', 'counter', l, i.rxDropped, time);
      add('container_network_transmit_bytes_total', 'Cumulative count of bytes transmitted', 'counter', l, i.txBytes, time);
      add('container_network_transmit_packets_total', 'Cumulative count of packets transmitted', 'counter', l, i.txPackets, time);
      add('container_network_transmit_errors_total', 'Cumulative count of errors encountered while transmitting', 'counter', l, i.txErrors, time);
      add('container_network_transmit_packets_dropped_total', 'Cumulative count of packets dropped while transmitting', 'counter', l, i.txDropped, time);
    }
  };

  const root = { container: '', id: '/', image: '', name: '', namespace: '', pod: '' };
  if (c.node.root) cgroupSeries(root, c.node.root);
  networkSeries(root, c.node.time, c.node.interfaces);
  for (const p of c.pods) {
    const podLabels = { container: '', id: p.cgroup, image: '', name: '', namespace: p.target.namespace, pod: p.target.name };
    if (p.cg) cgroupSeries(podLabels, p.cg);
    if (p.network) networkSeries(podLabels, p.network.time, p.network.interfaces);
    const podStart = p.target.startTime ? Date.parse(p.target.startTime) : Number.NaN;
    if (podStart > 0) add('container_start_time_seconds', 'Start time of the container since unix epoch in seconds.', 'gauge', podLabels, Math.floor(podStart / 1000));
    for (const ct of p.containers) {
      const labels = { container: ct.target.name, id: ct.cgroup, image: ct.target.image, name: ct.target.id, namespace: p.target.namespace, pod: p.target.name };
      cgroupSeries(labels, ct.cg);
      if (ct.rootfs?.usedBytes !== undefined) {
        const l = { ...labels, device: c.device ?? '' };
        add('container_fs_usage_bytes', 'Number of bytes that are consumed by the container on this filesystem.', 'gauge', l, ct.rootfs.usedBytes, ct.rootfs.time);
        add('container_fs_limit_bytes', 'Number of bytes that can be consumed by the container on this filesystem.', 'gauge', l, ct.rootfs.capacityBytes, ct.rootfs.time);
        add('container_fs_inodes_total', 'Number of Inodes', 'gauge', l, ct.rootfs.inodes, ct.rootfs.time);
        add('container_fs_inodes_free', 'Number of available Inodes', 'gauge', l, ct.rootfs.inodesFree, ct.rootfs.time);
      }
      const started = ct.target.startedAt ? Date.parse(ct.target.startedAt) : Number.NaN;
      if (started > 0) add('container_start_time_seconds', 'Start time of the container since unix epoch in seconds.', 'gauge', labels, Math.floor(started / 1000));
    }
  }
  return renderFamilies([...fams.values()]);
}
