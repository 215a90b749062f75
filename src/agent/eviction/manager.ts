// The eviction manager (the kubelet's): every monitoring interval it observes the node, reports the
// pressure conditions, and while a hard memory (or PID) threshold is crossed fails one pod, the first
// in the kubelet's ranking, with reason Evicted. Hard thresholds allow no grace period: the pod's
// containers are killed at once. One pod per interval gives the kernel time to hand the memory
// back before the next decision, so no more pods die than needed; and, as the kubelet's
// waitForPodsCleanup, no decision is made until the evicted pod's cleanup is done (at most 30 s):
// on a loaded machine a pod's disk can take longer than an interval to come back.
// Under PID pressure the pod to go is the lowest priority one with the most processes. Under disk
// pressure (nodefs/imagefs bytes) pods are ranked as for memory with their ephemeral-storage use
// (emptyDirs, logs, writable layers) against their ephemeral-storage requests; under inode pressure
// the lowest priority pod with the most files goes.
// Under disk pressure node-level resources go before any pod: unused images are removed first
// (reclaimDisk, the image garbage collector), and no pod is evicted when that relieved the pressure.
// Before any of that, pods past their own local-disk limits (an emptyDir's sizeLimit, ephemeral-storage
// limits) are evicted, all of them, whatever the node's pressure (local-storage.ts).

import type { Logger } from '../../util/log.js';
import { hasLocalStorageLimits, localStorageViolation, type LocalStorageLimits } from './local-storage.js';
import { evictionMessage, formatBytes, type ContainerUsage } from './message.js';
import { PressureTracker } from './pressure.js';
import { rankForMemoryEviction, rankForPidEviction } from './ranking.js';
import type { StatsSource } from './stats.js';
import { type Observations, thresholdAmount, thresholdsMet, type PressureCondition, type Threshold } from './thresholds.js';

/** Disk signals in the order pressure on them is relieved. */
const DISK_SIGNALS = ['nodefs.available', 'imagefs.available', 'nodefs.inodesFree', 'imagefs.inodesFree'] as const;

/** Files past which a pod's local-storage limits are checked once a minute instead of every interval. */
const LOCAL_STORAGE_SLOW_ENTRIES = 20_000;

/** The kubelet's monitoring interval (housekeeping). */
export const MONITORING_INTERVAL_MS = 10_000;

/** A pod the manager may evict, as the pod manager describes it. */
export interface EvictablePod {
  uid: string;
  name: string;
  priority: number;
  /** Pods the kubelet never evicts (static/critical): left out of the ranking. */
  critical: boolean;
  containers: { name: string; id?: string; memoryRequest: number; ephemeralRequest?: number; writableLayer?: string }[];
  /** Where the pod's other local disk use lives: its directory (emptyDirs...) and its logs. */
  storagePaths?: string[];
  /** Its own local-disk limits, when it declares any (emptyDir sizeLimit, ephemeral-storage limits). */
  localStorage?: LocalStorageLimits;
}

export interface EvictionTarget {
  /** Pods on this node that still run (not finished, not being deleted or evicted). */
  activePods(): EvictablePod[];
  /**
   * Fail the pod with reason Evicted and this message. Hard thresholds kill its containers without
   * grace (maxGraceSeconds 0); soft ones give the pod its own grace period up to maxGraceSeconds.
   */
  evict(uid: string, message: string, maxGraceSeconds: number): void;
  /** Whether an evicted pod has handed back its resources (killed, containers and volumes removed). */
  cleanedUp?(uid: string): boolean;
}

/** The kubelet's podCleanupTimeout: how long the next decision waits for an evicted pod's cleanup. */
export const POD_CLEANUP_TIMEOUT_MS = 30_000;

export interface EvictionManagerOptions {
  /** Hard thresholds, and soft ones (those with a gracePeriodMs). */
  thresholds: Threshold[];
  /** --eviction-max-pod-grace-period: the most grace a soft eviction gives a pod (0 or unset: the pod's own). */
  maxPodGraceSeconds?: number;
  transitionMs: number;
  intervalMs?: number;
  stats: StatsSource;
  pods: EvictionTarget;
  /** Free node-level disk (unused images) before a pod is evicted for disk; resolves with the bytes freed. */
  reclaimDisk?: () => Promise<number>;
  /** Called with the conditions in pressure whenever that set changes (and once at start). */
  onPressure(inPressure: Set<PressureCondition>): void;
  log: Logger;
}

export class EvictionManager {
  private timer?: NodeJS.Timeout;
  private tracker: PressureTracker;
  private last = '';
  private started = false;
  private running = false;
  /** When each soft threshold (by signal) was first seen crossed in the current run of crossings. */
  private softSince = new Map<string, number>();
  /** Pods whose local-storage walk was long: when to walk them again. */
  private localNext = new Map<string, number>();
  /** The last eviction's pod, until its cleanup is done or the deadline passed. */
  private cleanup?: { uid: string; deadline: number };
  /** The grace a pod evicted in this tick gets (0 for a hard threshold). */
  private grace = 0;

  constructor(private o: EvictionManagerOptions) {
    this.tracker = new PressureTracker(o.transitionMs);
  }

  start() {
    this.timer = setInterval(() => void this.tick(), this.o.intervalMs ?? MONITORING_INTERVAL_MS);
    this.timer.unref();
    void this.tick();
  }

  stop() {
    clearInterval(this.timer);
  }

  /** One observation and at most one eviction; resolves with the evicted pod's uid. */
  async tick(now = Date.now()): Promise<string | undefined> {
    if (this.running) return undefined; // a slow stats read must not stack decisions
    this.running = true;
    try {
      const obs = await this.o.stats.node();
      // Conditions show every crossing, soft ones included from their first observation (as the kubelet's).
      const crossed = thresholdsMet(this.o.thresholds, obs);
      const inPressure = this.tracker.observe(crossed, now);
      const met = this.actionable(crossed, now);
      const key = [...inPressure].sort().join(',');
      if (key !== this.last || !this.started) {
        this.started = true;
        if (key !== this.last) this.o.log.warn('node pressure changed', { pressure: [...inPressure], met: met.map((t) => `${t.signal}<${t.text}`) });
        this.last = key;
        this.o.onPressure(inPressure);
      }
      if (this.cleanup) {
        if (now < this.cleanup.deadline && !(this.o.pods.cleanedUp?.(this.cleanup.uid) ?? true)) return undefined;
        this.cleanup = undefined;
      }
      const evicted = await this.decide(obs, met, now);
      if (evicted) this.cleanup = { uid: evicted, deadline: now + POD_CLEANUP_TIMEOUT_MS };
      return evicted;
    } catch (e) {
      this.o.log.warn('eviction monitoring failed', { err: e });
      return undefined;
    } finally {
      this.running = false;
    }
  }

  /** At most one eviction (or every pod past its own local-disk limits); the first uid evicted. */
  private async decide(obs: Observations, met: Threshold[], now: number): Promise<string | undefined> {
    // Pods past their own limits go first, all of them, and end this interval's decisions.
    const local = await this.evictForLocalStorage(now);
    if (local) return local;
    // One eviction per interval, memory first (as the kubelet orders its signals), then PIDs.
    const memory = met.find((t) => t.signal === 'memory.available');
    if (memory) {
      const o = obs['memory.available']!;
      return await this.evictOne(memory, o.available, thresholdAmount(memory, o.capacity));
    }
    // Then disk, bytes before inodes, the node's filesystem before the image store's.
    const disk = DISK_SIGNALS.map((sig) => met.find((t) => t.signal === sig)).find((t) => t !== undefined);
    if (disk) {
      const after = await this.reclaimDisk(disk);
      if (!after) return undefined;
      const o = after[disk.signal]!;
      return await this.evictForDisk(disk, o.available, thresholdAmount(disk, o.capacity));
    }
    const pids = met.find((t) => t.signal === 'pid.available');
    if (pids) {
      const o = obs['pid.available']!;
      return await this.evictForPids(pids, o.available, thresholdAmount(pids, o.capacity));
    }
    return undefined;
  }

  /**
   * The crossings that evict: hard ones, and soft ones crossed without a break for their grace period
   * (hard first, so a soft threshold never softens a hard one). Sets the grace the eviction gives.
   */
  private actionable(crossed: Threshold[], now: number): Threshold[] {
    for (const sig of [...this.softSince.keys()]) if (!crossed.some((t) => t.gracePeriodMs !== undefined && t.signal === sig)) this.softSince.delete(sig);
    const hard = crossed.filter((t) => t.gracePeriodMs === undefined);
    const soft = crossed.filter((t) => {
      if (t.gracePeriodMs === undefined) return false;
      const since = this.softSince.get(t.signal) ?? now;
      this.softSince.set(t.signal, since);
      return now - since >= t.gracePeriodMs && !hard.some((h) => h.signal === t.signal);
    });
    this.grace = 0;
    if (hard.length === 0 && soft.length > 0) this.grace = this.o.maxPodGraceSeconds && this.o.maxPodGraceSeconds > 0 ? this.o.maxPodGraceSeconds : Number.MAX_SAFE_INTEGER;
    return [...hard, ...soft];
  }

  /** The kubelet's localStorageEviction: every pod past one of its local-disk limits; the first uid evicted. */
  private async evictForLocalStorage(now: number): Promise<string | undefined> {
    let first: string | undefined;
    const pods = this.o.pods.activePods();
    for (const uid of this.localNext.keys()) if (!pods.some((p) => p.uid === uid)) this.localNext.delete(uid);
    for (const p of pods) {
      if (p.critical || !p.localStorage || !hasLocalStorageLimits(p.localStorage)) continue;
      // A pod with many files is walked once a minute, not every interval: the walk is its cost.
      if ((this.localNext.get(p.uid) ?? 0) > now) continue;
      let entries = 0;
      const message = await localStorageViolation(p.localStorage, async (paths) => {
        const u = await this.o.stats.diskUsage(paths);
        entries += u?.inodes ?? 0;
        return u;
      });
      if (entries > LOCAL_STORAGE_SLOW_ENTRIES) this.localNext.set(p.uid, now + 60_000);
      else this.localNext.delete(p.uid);
      if (!message) continue;
      this.o.log.warn('evicting pod past its local storage limit', { pod: p.name, uid: p.uid, message });
      // The kubelet's immediate eviction: one second of grace.
      this.o.pods.evict(p.uid, message, 1);
      first ??= p.uid;
    }
    return first;
  }

  /**
   * The kubelet's reclaimNodeLevelResources: remove unused images, observe again. Resolves with the new
   * observations while the threshold is still crossed, undefined once the reclaim relieved it.
   */
  private async reclaimDisk(t: Threshold): Promise<Observations | undefined> {
    if (!this.o.reclaimDisk) return this.o.stats.node();
    const freed = await this.o.reclaimDisk().catch((e) => {
      this.o.log.warn('freeing disk by removing unused images failed', { err: e });
      return 0;
    });
    const obs = await this.o.stats.node();
    if (freed > 0 && !thresholdsMet([t], obs).length) {
      this.o.log.info('able to reduce disk pressure without evicting pods', { threshold: `${t.signal}<${t.text}`, freed });
      return undefined;
    }
    return obs;
  }

  private async evictForDisk(t: Threshold, available: number, amount: number): Promise<string | undefined> {
    const byInodes = t.signal.endsWith('inodesFree');
    const pods = this.o.pods.activePods().filter((p) => !p.critical);
    const measured = await Promise.all(
      pods.map(async (p) => {
        const layers = await Promise.all(p.containers.map(async (c) => ({ c, u: c.writableLayer ? await this.o.stats.diskUsage([c.writableLayer]) : { bytes: 0, inodes: 0 } })));
        const rest = await this.o.stats.diskUsage(p.storagePaths ?? []);
        const known = rest !== undefined && layers.every((l) => l.u !== undefined);
        const bytes = known ? rest.bytes + layers.reduce((s, l) => s + l.u!.bytes, 0) : undefined;
        const inodes = known ? rest.inodes + layers.reduce((s, l) => s + l.u!.inodes, 0) : undefined;
        const request = p.containers.reduce((s, c) => s + (c.ephemeralRequest ?? 0), 0);
        const containerUsage: ContainerUsage[] = layers.map(({ c, u }) => ({ name: c.name, usage: u?.bytes ?? 0, request: c.ephemeralRequest ?? 0 }));
        return { ...p, usage: bytes, request, processes: inodes, containerUsage };
      }),
    );
    // Inodes: pods request none, so priority then most files (the PID ranking's shape); bytes: as memory.
    const victim = (byInodes ? rankForPidEviction(measured) : rankForMemoryEviction(measured))[0];
    if (!victim) {
      this.o.log.warn('disk threshold crossed but no pod can be evicted', { threshold: `${t.signal}<${t.text}`, available });
      return undefined;
    }
    const message = byInodes ? evictionMessage('inodes', String(Math.round(amount)), String(available), []) : evictionMessage('ephemeral-storage', formatBytes(amount), formatBytes(available), victim.containerUsage);
    this.o.log.warn('evicting pod', { pod: victim.name, uid: victim.uid, threshold: `${t.signal}<${t.text}`, available, usage: victim.usage, inodes: victim.processes, priority: victim.priority });
    this.o.pods.evict(victim.uid, message, this.grace);
    return victim.uid;
  }

  private async evictForPids(t: Threshold, available: number, amount: number): Promise<string | undefined> {
    const pods = this.o.pods.activePods().filter((p) => !p.critical);
    const measured = await Promise.all(pods.map(async (p) => ({ ...p, processes: await this.o.stats.podProcesses(p.uid) })));
    const victim = rankForPidEviction(measured)[0];
    if (!victim) {
      this.o.log.warn('PID threshold crossed but no pod can be evicted', { threshold: `${t.signal}<${t.text}`, available });
      return undefined;
    }
    // PIDs are counts: printed plain, and pods request none, so no per-container lines.
    const message = evictionMessage('pids', String(Math.round(amount)), String(available), []);
    this.o.log.warn('evicting pod', { pod: victim.name, uid: victim.uid, threshold: `${t.signal}<${t.text}`, available, processes: victim.processes, priority: victim.priority });
    this.o.pods.evict(victim.uid, message, this.grace);
    return victim.uid;
  }

  private async evictOne(t: Threshold, available: number, amount: number): Promise<string | undefined> {
    const pods = this.o.pods.activePods().filter((p) => !p.critical);
    const measured = await Promise.all(
      pods.map(async (p) => {
        const containers: ContainerUsage[] = [];
        let usage: number | undefined = 0;
        for (const c of p.containers) {
          const u = c.id ? await this.o.stats.containerMemory(p.uid, c.id) : 0;
          if (u === undefined) usage = undefined;
          else if (usage !== undefined) usage += u;
          containers.push({ name: c.name, usage: u ?? 0, request: c.memoryRequest });
        }
        return { ...p, usage, request: p.containers.reduce((s, c) => s + c.memoryRequest, 0), containerUsage: containers };
      }),
    );
    const victim = rankForMemoryEviction(measured)[0];
    if (!victim) {
      this.o.log.warn('memory threshold crossed but no pod can be evicted', { threshold: `${t.signal}<${t.text}`, available });
      return undefined;
    }
    const message = evictionMessage('memory', formatBytes(amount), formatBytes(available), victim.containerUsage);
    this.o.log.warn('evicting pod', { pod: victim.name, uid: victim.uid, threshold: `${t.signal}<${t.text}`, available, usage: victim.usage, request: victim.request, priority: victim.priority });
    this.o.pods.evict(victim.uid, message, this.grace);
    return victim.uid;
  }
}
