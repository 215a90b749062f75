// The node agent's stats collector (the kubelet's cAdvisor + stats provider, for gifee's runtime):
// one collection reads the node, every running pod's cgroup and its containers' cgroups, each pod's
// interfaces, and the disk use of writable layers, logs and volumes (disk-cache.ts: once a minute).
// Collections are cached for a few seconds and concurrent callers share the one in flight, so
// metrics-server, Prometheus and `kubectl top` scraping together cost one collection. CPU rates
// (usageNanoCores) come from the previous collection's counters; only cgroups present in this
// collection are remembered, so nothing vanished lingers.

import { rfc3339 } from '../../util/time.js';
import { statfs } from 'node:fs/promises';
import { availableParallelism, uptime } from 'node:os';
import { join } from 'node:path';
import type { DiskUsage } from '../eviction/disk-usage.js';
import { blockDeviceOf } from './block-device.js';
import { type CgroupReader, detectCgroupReader, readSmall } from './cgroup-reader.js';
import { DISK_INTERVAL_MS, DiskUsageCache } from './disk-cache.js';
import { readNodeSample } from './node-stats.js';
import { parseNetDev } from './proc-files.js';
import { readProcessSample, sumSamples } from './process-sample.js';
import type { Collection, ContainerCollection, FsFigures, PodCollection, StatsPodTarget } from './types.js';
import { ifMissing } from '../../util/best-effort.js';

export const DEFAULT_COLLECTION_CACHE_MS = 5_000;

export interface StatsCollectorOptions {
  nodeName: string;
  /** The running pods, described by the pod manager. */
  pods: () => StatsPodTarget[];
  /** The runtime's cgroup parent ("gifee": pods are /gifee/pod<uid>, containers /gifee/pod<uid>/<id>). */
  cgroupParent: string;
  /** The agent's data dir (nodefs: writable layers, logs, emptyDirs) and the image store (imagefs). */
  nodefsPath: string;
  imagefsPath: string;
  /** Containers without cgroups (the process runtime): read each container's process instead. */
  processFallback?: boolean;
  cgroups?: CgroupReader;
  procRoot?: string;
  cacheMs?: number;
  diskIntervalMs?: number;
}

export class StatsCollector {
  private cgroups: CgroupReader;
  private proc: string;
  private cached?: { at: number; value: Promise<Collection>; pending: boolean };
  private previousCpu = new Map<string, { ns: number; time: number }>();
  private disk: DiskUsageCache;
  private device?: Promise<string | undefined>;
  private bootTime = rfc3339(Date.now() - uptime() * 1000);

  constructor(private o: StatsCollectorOptions) {
    this.cgroups = o.cgroups ?? detectCgroupReader();
    this.proc = o.procRoot ?? '/proc';
    this.disk = new DiskUsageCache(o.diskIntervalMs ?? DISK_INTERVAL_MS);
  }

  /** The latest collection, fresh if the cached one is older than cacheMs (a failed one is not kept). */
  collect(now = Date.now()): Promise<Collection> {
    const ttl = this.o.cacheMs ?? DEFAULT_COLLECTION_CACHE_MS;
    // One collection at a time: a slow one (first disk walks) is shared rather than raced.
    if (this.cached && (now - this.cached.at < ttl || this.cached.pending)) return this.cached.value;
    const value = this.collectNow();
    const entry = { at: now, value, pending: true };
    this.cached = entry;
    value.then(
      () => (entry.pending = false),
      () => {
        entry.pending = false;
        if (this.cached === entry) this.cached = undefined;
      },
    );
    return value;
  }

  private rate(key: string, ns: number, time: number, next: Map<string, { ns: number; time: number }>): number | undefined {
    next.set(key, { ns, time });
    const prev = this.previousCpu.get(key);
    if (!prev || time <= prev.time || ns < prev.ns) return undefined;
    return Math.round((ns - prev.ns) / ((time - prev.time) / 1000));
  }

  private async collectNow(): Promise<Collection> {
    const nextCpu = new Map<string, { ns: number; time: number }>();
    const node = readNodeSample(this.cgroups, this.proc);
    const nodeRate = node.cpuNs !== undefined ? this.rate('/', node.cpuNs, node.time, nextCpu) : undefined;
    const [nodeFs, imageFs] = await Promise.all([fsFigures(this.o.nodefsPath), fsFigures(this.o.imagefsPath)]);
    this.device ??= blockDeviceOf(this.o.nodefsPath, this.proc);
    const podsPath = `/${this.o.cgroupParent}`;
    const podsCg = this.o.processFallback ? undefined : this.cgroups.read(podsPath);
    this.disk.begin();
    const imageUse = await this.disk.get(this.o.imagefsPath);
    if (imageFs && imageUse) Object.assign(imageFs, { usedBytes: imageUse.bytes, inodesUsed: imageUse.inodes });
    const pods: PodCollection[] = [];
    let i = 0;
    for (const target of this.o.pods()) {
      const pod = await this.collectPod(target, nodeFs, nextCpu);
      if (pod) pods.push(pod);
      // Let the agent's other work (heartbeats, streams) in between pods.
      if (++i % 16 === 0) await new Promise((r) => setImmediate(r));
    }
    this.disk.end();
    this.previousCpu = nextCpu;
    return {
      nodeName: this.o.nodeName,
      time: node.time,
      node: { ...node, usageNanoCores: nodeRate, startTime: this.bootTime },
      podsCgroup: podsCg ? { cg: podsCg, usageNanoCores: this.rate(podsPath, podsCg.cpuNs, podsCg.time, nextCpu) } : undefined,
      nodeFs,
      imageFs,
      device: await this.device,
      pods,
      cpuCores: availableParallelism(),
    };
  }

  private async collectPod(target: StatsPodTarget, nodeFs: FsFigures | undefined, nextCpu: Map<string, { ns: number; time: number }>): Promise<PodCollection | undefined> {
    const cgroup = `/${this.o.cgroupParent}/pod${target.uid}`;
    let cg = this.cgroups.read(cgroup);
    const containers: ContainerCollection[] = [];
    for (const c of target.containers) {
      const path = `${cgroup}/${c.id}`;
      const s = this.o.processFallback ? (c.pid ? readProcessSample(c.pid, this.proc) : undefined) : this.cgroups.read(path);
      // Gone between the pod manager's list and this read (it just exited): left out, not an error.
      if (!s) continue;
      const rootfs = c.writableLayer ? usageFigures(await this.disk.get(c.writableLayer), nodeFs) : undefined;
      const logs = c.logDir ? usageFigures(await this.disk.get(c.logDir), nodeFs) : undefined;
      containers.push({ target: c, cgroup: path, cg: s, usageNanoCores: this.rate(path, s.cpuNs, s.time, nextCpu), rootfs, logs });
    }
    if (this.o.processFallback) cg = sumSamples(containers.map((x) => x.cg));
    // A pod whose cgroup is gone and none of whose containers could be read has nothing to report.
    if (!cg && containers.length === 0) return undefined;
    const volumes: PodCollection['volumes'] = [];
    for (const v of target.volumes) {
      const fs = v.pvcName ? await fsFigures(v.path, true) : usageFigures(await this.disk.get(v.path), nodeFs);
      if (fs) volumes.push({ name: v.name, pvcName: v.pvcName, fs });
    }
    return {
      target,
      cgroup,
      cg,
      usageNanoCores: cg ? this.rate(cgroup, cg.cpuNs, cg.time, nextCpu) : undefined,
      containers,
      network: target.hostNetwork ? undefined : this.podNetwork(target),
      volumes,
      ephemeral: ephemeralFigures(containers, volumes, nodeFs),
      processCount: this.o.processFallback ? undefined : this.cgroups.tasks(cgroup),
    };
  }

  /** The pod's interfaces as one of its processes sees them (its network namespace). */
  private podNetwork(target: StatsPodTarget): PodCollection['network'] {
    for (const c of target.containers) {
      if (!c.pid) continue;
      const text = readSmall(join(this.proc, String(c.pid), 'net', 'dev'));
      if (text === undefined) continue;
      return { time: Date.now(), interfaces: parseNetDev(text).filter((i) => i.name !== 'lo') };
    }
    return undefined;
  }
}

/** statfs of a filesystem: capacity, available and inodes; with `used`, used = capacity - free (a claim's own filesystem). */
export async function fsFigures(path: string, used = false): Promise<FsFigures | undefined> {
  const s = await statfs(path).catch(ifMissing);
  if (!s) return undefined;
  const bsize = Number(s.bsize);
  const f: FsFigures = { time: Date.now(), capacityBytes: Number(s.blocks) * bsize, availableBytes: Number(s.bavail) * bsize };
  if (Number(s.files) > 0) Object.assign(f, { inodes: Number(s.files), inodesFree: Number(s.ffree) });
  if (used) {
    f.usedBytes = (Number(s.blocks) - Number(s.bfree)) * bsize;
    if (f.inodes !== undefined) f.inodesUsed = f.inodes - (f.inodesFree ?? 0);
  }
  return f;
}

/** A tree's use on the node's filesystem: used from the walk, capacity and availability of the filesystem. */
function usageFigures(u: DiskUsage | undefined, nodeFs: FsFigures | undefined): FsFigures | undefined {
  if (!u) return undefined;
  return { time: Date.now(), capacityBytes: nodeFs?.capacityBytes, availableBytes: nodeFs?.availableBytes, inodes: nodeFs?.inodes, inodesFree: nodeFs?.inodesFree, usedBytes: u.bytes, inodesUsed: u.inodes };
}

/** The kubelet's ephemeral-storage: containers' writable layers and logs plus the pod's local (non-claim) volumes. */
function ephemeralFigures(containers: ContainerCollection[], volumes: PodCollection['volumes'], nodeFs: FsFigures | undefined): FsFigures | undefined {
  const parts = [...containers.flatMap((c) => [c.rootfs, c.logs]), ...volumes.filter((v) => !v.pvcName).map((v) => v.fs)].filter((f): f is FsFigures => !!f);
  if (!nodeFs && parts.length === 0) return undefined;
  return {
    time: Date.now(),
    capacityBytes: nodeFs?.capacityBytes,
    availableBytes: nodeFs?.availableBytes,
    inodes: nodeFs?.inodes,
    inodesFree: nodeFs?.inodesFree,
    usedBytes: parts.reduce((a, f) => a + (f.usedBytes ?? 0), 0),
    inodesUsed: parts.reduce((a, f) => a + (f.inodesUsed ?? 0), 0),
  };
}
