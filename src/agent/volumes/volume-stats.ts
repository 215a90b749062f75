// Volume stats for the kubelet_volume_stats_* metrics: for every claim-backed volume in use on this
// node, its capacity, free and used bytes and inodes, labelled with the claim's namespace and name
// as the kubelet labels them. CSI volumes are asked of their driver (NodeGetVolumeStats, when it
// has GET_VOLUME_STATS); other claim-backed volumes (hostPath, local, nfs, iscsi PVs) are statfs'd.
// Bounded: each volume at most once per minute, every call with a deadline, one call per volume in
// flight (a hung NFS server must not pile up statfs calls), series of volumes gone are dropped.

import { statfs } from 'node:fs/promises';
import type { CsiRegistry } from '../../csi/types.js';
import type { Logger } from '../../util/log.js';
import { metrics as processMetrics, type Registry } from '../../util/metrics.js';
import { nodeCapabilities, withDeadline } from './csi-calls.js';

export interface VolumeStats {
  capacityBytes: number;
  availableBytes: number;
  usedBytes: number;
  inodes: number;
  inodesFree: number;
  inodesUsed: number;
  /** From a CSI driver's volume condition, when it reports one. */
  abnormal?: boolean;
}

/** One claim-backed volume in use on this node. */
export interface StatsTarget {
  namespace: string;
  claim: string;
  /** A CSI volume (published by the mounter), or a path to statfs. */
  csi?: { driverName: string; volumeHandle: string; targetPath: string; stagingPath?: string };
  path?: string;
}

/** The kubelet's fs stats of a mounted filesystem: used counts blocks not free (root's reserve included). */
export async function statfsVolume(path: string): Promise<VolumeStats> {
  const s = await statfs(path);
  return {
    capacityBytes: s.blocks * s.bsize,
    availableBytes: s.bavail * s.bsize,
    usedBytes: (s.blocks - s.bfree) * s.bsize,
    inodes: s.files,
    inodesFree: s.ffree,
    inodesUsed: s.files - s.ffree,
  };
}

export interface VolumeStatsOptions {
  csi: CsiRegistry;
  /** The claim-backed volumes in use on this node now. */
  targets(): Promise<StatsTarget[]>;
  log: Logger;
  /** How often to look for due volumes (default 10 s). */
  intervalMs?: number;
  /** The least time between two measurements of one volume (default 60 s). */
  perVolumeMs?: number;
  /** Deadline of one NodeGetVolumeStats or statfs (default 10 s). */
  callTimeoutMs?: number;
  registry?: Registry;
}

const GAUGES = [
  ['kubelet_volume_stats_capacity_bytes', 'Capacity in bytes of the volume', 'capacityBytes'],
  ['kubelet_volume_stats_available_bytes', 'Number of available bytes in the volume', 'availableBytes'],
  ['kubelet_volume_stats_used_bytes', 'Number of used bytes in the volume', 'usedBytes'],
  ['kubelet_volume_stats_inodes', 'Maximum number of inodes in the volume', 'inodes'],
  ['kubelet_volume_stats_inodes_free', 'Number of free inodes in the volume', 'inodesFree'],
  ['kubelet_volume_stats_inodes_used', 'Number of used inodes in the volume', 'inodesUsed'],
] as const;

const keyOf = (t: { namespace: string; claim: string }) => `${t.namespace}/${t.claim}`;

export class VolumeStatsCollector {
  private timer?: NodeJS.Timeout;
  private running = false;
  private last = new Map<string, { at: number; stats?: VolumeStats }>();
  private inFlight = new Set<string>();
  private gauges;
  private abnormal;

  constructor(private o: VolumeStatsOptions) {
    const r = o.registry ?? processMetrics;
    this.gauges = GAUGES.map(([name, help, field]) => ({ gauge: r.gauge(name, help), field }));
    this.abnormal = r.gauge('kubelet_volume_stats_health_status_abnormal', 'Abnormal volume health status. The count is either 1 or 0. 1 indicates the volume is unhealthy, 0 indicates volume is healthy');
  }

  start() {
    this.timer = setInterval(() => void this.pass(), this.o.intervalMs ?? 10_000);
    this.timer.unref();
    void this.pass();
  }

  stop() {
    clearInterval(this.timer);
  }

  /** The last stats of a claim's volume on this node (for a stats summary). */
  get(namespace: string, claim: string): VolumeStats | undefined {
    return this.last.get(keyOf({ namespace, claim }))?.stats;
  }

  /** Measures the volumes that are due; drops the series of volumes no longer in use. */
  async pass(now = Date.now()): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const targets = new Map<string, StatsTarget>();
      for (const t of await this.o.targets()) if (!targets.has(keyOf(t))) targets.set(keyOf(t), t);
      for (const k of [...this.last.keys()]) if (!targets.has(k)) this.forget(k);
      const due = [...targets.values()].filter((t) => !this.inFlight.has(keyOf(t)) && now - (this.last.get(keyOf(t))?.at ?? -Infinity) >= (this.o.perVolumeMs ?? 60_000));
      // A few at a time: statfs runs on libuv's small thread pool, which the agent's other file work shares.
      const queue = [...due];
      await Promise.all(
        Array.from({ length: Math.min(4, queue.length) }, async () => {
          for (let t = queue.shift(); t; t = queue.shift()) await this.measure(t, now);
        }),
      );
    } catch (e) {
      this.o.log.warn('volume stats pass failed', { err: e });
    } finally {
      this.running = false;
    }
  }

  private async measure(t: StatsTarget, now: number) {
    const key = keyOf(t);
    this.inFlight.add(key);
    const timeout = this.o.callTimeoutMs ?? 10_000;
    // The call itself, not its deadline, frees the volume for the next try: a statfs stuck on a dead
    // NFS server holds one of libuv's few threads, and a second one must not join it.
    const call = t.csi ? this.fromDriver(t.csi) : t.path ? statfsVolume(t.path) : Promise.resolve(undefined);
    call.then(
      () => this.inFlight.delete(key),
      () => this.inFlight.delete(key),
    );
    try {
      const stats = await withDeadline(call, timeout, t.csi ? 'NodeGetVolumeStats' : `statfs ${t.path}`);
      // Measured or not, the next try waits its minute: a failing driver is not asked every pass.
      if (!stats) {
        this.last.set(key, { at: now, stats: this.last.get(key)?.stats });
        return;
      }
      this.last.set(key, { at: now, stats });
      const labels = { namespace: t.namespace, persistentvolumeclaim: t.claim };
      for (const { gauge, field } of this.gauges) gauge.set(stats[field], labels);
      if (stats.abnormal !== undefined) this.abnormal.set(stats.abnormal ? 1 : 0, labels);
    } catch (e) {
      this.last.set(key, { at: now, stats: this.last.get(key)?.stats });
      this.o.log.debug('volume stats unavailable', { claim: key, err: e instanceof Error ? e.message : String(e) });
    }
  }

  /** NodeGetVolumeStats when the driver offers it; undefined when it does not (or is not registered). */
  private async fromDriver(c: NonNullable<StatsTarget['csi']>): Promise<VolumeStats | undefined> {
    const driver = this.o.csi.get(c.driverName);
    if (!driver?.node || !(await nodeCapabilities(driver)).has('GET_VOLUME_STATS')) return undefined;
    const r = await driver.node.nodeGetVolumeStats({ volumeId: c.volumeHandle, volumePath: c.targetPath, ...(c.stagingPath ? { stagingTargetPath: c.stagingPath } : {}) });
    const bytes = r.usage?.find((u) => u.unit === 'BYTES');
    const inodes = r.usage?.find((u) => u.unit === 'INODES');
    if (!bytes) return undefined;
    return {
      capacityBytes: bytes.total,
      availableBytes: bytes.available,
      usedBytes: bytes.used,
      inodes: inodes?.total ?? 0,
      inodesFree: inodes?.available ?? 0,
      inodesUsed: inodes?.used ?? 0,
      ...(r.volumeCondition ? { abnormal: !!r.volumeCondition.abnormal } : {}),
    };
  }

  private forget(key: string) {
    this.last.delete(key);
    const [namespace, ...rest] = key.split('/');
    const labels = { namespace, persistentvolumeclaim: rest.join('/') };
    for (const { gauge } of this.gauges) gauge.delete(labels);
    this.abnormal.delete(labels);
  }
}
