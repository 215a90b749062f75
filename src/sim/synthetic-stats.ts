// Synthetic /metrics/cadvisor and /stats/summary of a simulated node, consistent with its
// /metrics/resource (resource-metrics.ts): the same containers, CPU rates, cumulative counters and
// working sets, so a Prometheus dashboard, `kubectl top` and a Summary API reader agree about a
// simulated pod. The figures fill the node agent's own Collection (agent/stats/types.ts) and go
// through the agent's renderers, so the formats, names and labels are exactly a real node's.
// What a simulated node cannot have is derived deterministically: memory usage and RSS from the
// working set, a network counter per pod (eth0, growing at a rate hashed from its name), disk use
// of logs and writable layers as small constants; the node's capacity is its advertised shape.

import { createHash } from 'node:crypto';
import { renderCadvisorMetrics } from '../agent/stats/cadvisor-metrics.js';
import type { CgroupSample } from '../agent/stats/cgroup-reader.js';
import type { InterfaceCounters } from '../agent/stats/proc-files.js';
import { buildSummary } from '../agent/stats/summary.js';
import type { Collection, ContainerCollection, FsFigures, PodCollection } from '../agent/stats/types.js';
import type { SimNodeShape } from './node-object.js';
import type { SimPod } from './pod-status.js';
import { type NodeCounter, type SyntheticContainer, syntheticNodeFigures } from './resource-metrics.js';

/** The cgroup every simulated pod is "under" (cAdvisor's id label; the agent uses its own parent the same way). */
const PODS_CGROUP = '/gifee';
const CONTAINER_ROOTFS_BYTES = 4 * 2 ** 20;
const CONTAINER_LOG_BYTES = 64 * 2 ** 10;

const UNITS: Record<string, number> = { m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A quantity of the node's shape ("8", "32Gi", "500m"); undefined if it is not one. */
function quantity(q: string | undefined): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?\s*$/.exec(q ?? '');
  return m ? Number(m[1]) * UNITS[m[2] ?? ''] : undefined;
}

const hashOf = (s: string) => createHash('sha256').update(s).digest().readUInt32BE(0);

/** A sample as the agent reads one from a cgroup: the working set is the whole usage, RSS 3/4 of it. */
function sample(time: number, cpuNs: bigint, bytes: number, limit?: number): CgroupSample {
  return { time, cpuNs: Number(cpuNs), memoryUsage: bytes, workingSet: bytes, rss: Math.floor((bytes * 3) / 4), cache: bytes - Math.floor((bytes * 3) / 4), pageFaults: 0, majorPageFaults: 0, memoryLimit: limit };
}

/** A pod's eth0: 1-16 KiB/s each way since it started, packets of 1 KiB. */
function eth0(pod: SimPod, startedAt: number, now: number): InterfaceCounters {
  const h = hashOf(`${pod.metadata?.namespace}/${pod.metadata?.name}/net`);
  const seconds = Math.max(0, Math.floor((now - startedAt) / 1000));
  const rx = seconds * (1 + (h % 16)) * 1024;
  const tx = seconds * (1 + ((h >>> 8) % 16)) * 1024;
  return { name: 'eth0', rxBytes: rx, rxPackets: Math.floor(rx / 1024), rxErrors: 0, rxDropped: 0, txBytes: tx, txPackets: Math.floor(tx / 1024), txErrors: 0, txDropped: 0 };
}

const used = (time: number, bytes: number, capacity: number | undefined): FsFigures => ({ time, usedBytes: bytes, capacityBytes: capacity, availableBytes: capacity !== undefined ? Math.max(0, capacity - bytes) : undefined, inodesUsed: 1 + Math.floor(bytes / 2 ** 16) });

/** The agent's Collection for a simulated node at `now`, from the same figures /metrics/resource shows. */
export function syntheticCollection(nodeName: string, shape: SimNodeShape | undefined, pods: SimPod[], now: number, counter: NodeCounter): Collection {
  const figures = syntheticNodeFigures(pods, now, counter);
  const memoryTotal = quantity(shape?.memory);
  const fsCapacity = quantity(shape?.ephemeralStorage ?? '100Gi');
  const byPod = new Map<SimPod, SyntheticContainer[]>();
  for (const c of figures.containers) byPod.set(c.pod, [...(byPod.get(c.pod) ?? []), c]);
  const podCollections: PodCollection[] = [];
  let podsNs = 0n;
  let podsBytes = 0;
  let podsRate = 0;
  for (const [pod, containers] of byPod) {
    const uid = pod.metadata?.uid ?? '';
    const cgroup = `${PODS_CGROUP}/pod${uid}`;
    const podStart = Math.min(...containers.map((c) => c.startedAt));
    const statuses = pod.status?.containerStatuses ?? [];
    const cols: ContainerCollection[] = containers.map((c) => {
      const id = (statuses.find((s) => s.name === c.name)?.containerID ?? '').replace(/^[a-z]+:\/\//, '') || `${uid}-${c.name}`;
      const image = pod.spec?.containers?.find((x) => x.name === c.name)?.image ?? '';
      return {
        target: { name: c.name, id, image, startedAt: new Date(c.startedAt).toISOString() },
        cgroup: `${cgroup}/${id}`,
        cg: sample(now, c.cpuNs, c.bytes),
        usageNanoCores: c.nanocores,
        rootfs: used(now, CONTAINER_ROOTFS_BYTES, fsCapacity),
        logs: used(now, CONTAINER_LOG_BYTES, fsCapacity),
      };
    });
    const ns = containers.reduce((a, c) => a + c.cpuNs, 0n);
    const bytes = containers.reduce((a, c) => a + c.bytes, 0);
    const rate = containers.reduce((a, c) => a + c.nanocores, 0);
    podsNs += ns;
    podsBytes += bytes;
    podsRate += rate;
    podCollections.push({
      target: { uid, namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', startTime: pod.status?.startTime, hostNetwork: pod.spec?.hostNetwork === true, containers: cols.map((c) => c.target), volumes: [] },
      cgroup,
      cg: sample(now, ns, bytes),
      usageNanoCores: rate,
      containers: cols,
      // A host-network pod has no interfaces of its own (the agent reports none either).
      network: pod.spec?.hostNetwork ? undefined : { time: now, interfaces: [eth0(pod, podStart, now)] },
      volumes: [],
      ephemeral: used(now, cols.length * (CONTAINER_ROOTFS_BYTES + CONTAINER_LOG_BYTES), fsCapacity),
      processCount: cols.length,
    });
  }
  const node = figures.node;
  return {
    nodeName,
    time: now,
    node: {
      time: now,
      cpuNs: Number(node.cpuNs),
      usageNanoCores: node.nanocores,
      memory: memoryTotal !== undefined ? { total: memoryTotal, usage: node.bytes, workingSet: node.bytes, rss: Math.floor((node.bytes * 3) / 4), pageFaults: 0, majorPageFaults: 0 } : undefined,
      interfaces: [],
      root: sample(now, node.cpuNs, node.bytes, memoryTotal),
    },
    podsCgroup: { cg: sample(now, podsNs, podsBytes), usageNanoCores: podsRate },
    nodeFs: used(
      now,
      podCollections.reduce((a, p) => a + (p.ephemeral?.usedBytes ?? 0), 0),
      fsCapacity,
    ),
    imageFs: used(now, 0, fsCapacity),
    pods: podCollections,
    cpuCores: Math.max(1, Math.round(quantity(shape?.cpu) ?? 1)),
  };
}

/** cAdvisor's machine labels for a simulated node: stable per node name. */
function machineOf(nodeName: string) {
  const id = createHash('sha256').update(`sim-node/${nodeName}`).digest('hex').slice(0, 32);
  return { boot_id: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`, machine_id: id, system_uuid: id };
}

/** /metrics/cadvisor of a simulated node, rendered as the agent renders its own. */
export function syntheticCadvisorMetrics(c: Collection): string {
  return renderCadvisorMetrics(c, machineOf(c.nodeName));
}

/** /stats/summary of a simulated node, built as the agent builds its own. */
export function syntheticSummary(c: Collection, onlyCpuAndMemory: boolean): object {
  return buildSummary(c, onlyCpuAndMemory);
}
