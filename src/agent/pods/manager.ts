// The agent's pod manager: watches the pods bound to this node and gives each its own worker.
// On start it first re-adopts containers a previous agent run left, rebuilds the node's CSI volume
// reference counts from the pods on disk, then removes whatever belongs to pods the API no longer
// has (the agent was down while they were deleted); that sweep runs again periodically for what a
// first attempt could not free (a CSI driver that was not registered yet).

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { KObject } from '../../api/kind.js';
import type { InformerLike } from '../../client/informer.js';
import { informerScope, type InformerFactory, type InformerScope } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import type { Logger } from '../../util/log.js';
import { metrics } from '../../util/metrics.js';
import { reportContainers } from './kubelet-metrics.js';
import type { Pod } from './types.js';
import { containerLogDir, logDirUids, podLogDir } from '../logs/pod-log-dir.js';
import type { LocalStorageLimits } from '../eviction/local-storage.js';
import { PodWorker, type WorkerDeps } from './worker.js';
import type { EvictablePod } from '../eviction/manager.js';
import { CRITICAL_PRIORITY } from '../eviction/admission.js';
import { parseQuantity } from '../../api/quantity.js';
import { isSidecar } from '../../api/sidecars.js';
import type { StatsPodTarget } from '../stats/types.js';
import type { CsiRegistry } from '../../csi/types.js';
import { CsiVolumeManager } from '../volumes/csi-mounter.js';

/** A container's request of a resource in bytes; a limit alone stands for the request, as the API server defaults it. */
function bytesRequested(c: Pod['spec']['containers'][number], resource: 'memory' | 'ephemeral-storage'): number {
  const q = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
  try {
    return q === undefined ? 0 : Math.max(0, parseQuantity(q));
  } catch {
    return 0; // validated by the API server; a bad value cannot reach here through it
  }
}

/** A pod's own local-disk limits (disk-backed emptyDirs with a sizeLimit, ephemeral-storage limits), or undefined without any. */
function localStorageLimits(pod: Pod, dir: string, dataDir: string, volumePath: (name: string) => string | undefined, writableLayer: (container: string) => string | undefined): LocalStorageLimits | undefined {
  const emptyDirs = (pod.spec.volumes ?? []).filter((v) => v.emptyDir?.sizeLimit && v.emptyDir.medium !== 'Memory').map((v) => ({ name: v.name, path: volumePath(v.name) ?? join(dir, 'volumes', 'empty-dir', v.name), sizeLimit: v.emptyDir!.sizeLimit! }));
  // A quantity may come as a JSON number: the limits are read as text.
  const text = (q: string | number | undefined) => (q === undefined ? undefined : String(q));
  const containers = pod.spec.containers.map((c) => ({ name: c.name, ephemeralLimit: text(c.resources?.limits?.['ephemeral-storage']), writableLayer: writableLayer(c.name), logDir: containerLogDir(dataDir, pod, c.name) }));
  if (emptyDirs.length === 0 && containers.every((c) => c.ephemeralLimit === undefined)) return undefined;
  return { emptyDirs, containers, podPaths: [dir, podLogDir(dataDir, pod)] };
}

// The kubelet's figures are kubelet_running_pods/containers (kubelet-metrics.ts); this one counts
// every pod assigned here, running or not.
const running = metrics.gauge('gifee_agent_pods', 'Pods assigned to this node agent (running or not).');

/** No CSI driver registered (an agent without a plugin watcher): CSI volumes fail with the kubelet's "not found in the list of registered CSI drivers". */
const NO_CSI_DRIVERS: CsiRegistry = { get: () => undefined, names: () => [], onChange: () => undefined };

/** How often pod directories of deleted pods are looked for again. */
const ORPHAN_SWEEP_MS = 60_000;

export class PodManager {
  private workers = new Map<string, PodWorker>();
  private informers: InformerScope;
  private informer: InformerLike;
  private resync?: NodeJS.Timeout;
  /** The node's admission check for new pods (pressure); undefined = admit everything. */
  private admission?: (pod: Pod) => string | undefined;
  private orphanSweep?: NodeJS.Timeout;
  private sweepSoon?: NodeJS.Timeout;
  private sweeping = false;
  private started = false;
  readonly csiVolumes: CsiVolumeManager;
  private stopReporting?: () => void;

  /** informers: the agent's factory (this node's pods are their own watch, by field selector). */
  constructor(
    private deps: WorkerDeps,
    private log: Logger,
    informers?: InformerFactory,
  ) {
    this.csiVolumes =
      deps.csiVolumes ??
      new CsiVolumeManager({
        registry: deps.csi ?? NO_CSI_DRIVERS,
        agentDir: deps.csiDir ?? deps.dataDir,
        nodeName: deps.nodeName,
        api: { csiDriver: async (n) => deps.sources.csiDriver?.(n), volumeAttachment: async (n) => deps.sources.volumeAttachment?.(n), secret: (ns, n) => deps.sources.secret(ns, n), serviceAccountToken: (ns, sa, req) => deps.sources.serviceAccountToken(ns, sa, req) },
        log: log.child({ part: 'csi-volumes' }),
      });
    this.deps = { ...deps, csiVolumes: this.csiVolumes };
    // A driver (re-)registering may be what a deleted pod's volumes wait for: look again soon
    // (a third-party driver is a pod itself, back only some time after an agent restart).
    deps.csi?.onChange(() => {
      if (!this.started || this.sweepSoon) return;
      this.sweepSoon = setTimeout(() => {
        this.sweepSoon = undefined;
        void this.sweepOrphans();
      }, 1000);
      this.sweepSoon.unref();
    });
    this.informers = informerScope({ client: deps.client, informers, log }, 'pod-manager');
    this.informer = this.informers.informer(R.pods, { query: { fieldSelector: `spec.nodeName=${deps.nodeName}` } });
  }

  async start() {
    await this.deps.runtime.recover();
    // From disk, before any worker runs: a running pod's staged volume must not look unused when another pod goes.
    await this.csiVolumes.rebuild();
    this.informer.addHandlers({
      onAdd: (o) => this.upsert(o),
      onUpdate: (_old, o) => this.upsert(o),
      onDelete: (o) => this.removed(o),
    });
    this.stopReporting = reportContainers(() => this.deps.runtime.list());
    this.informers.start();
    await this.informers.waitForCacheSync();
    await this.collectOrphans();
    this.started = true;
    this.orphanSweep = setInterval(() => void this.sweepOrphans(), ORPHAN_SWEEP_MS);
    this.orphanSweep.unref();
    // Level-triggered safety net: re-sync every pod periodically (probes and back-offs also kick).
    this.resync = setInterval(() => {
      for (const w of this.workers.values()) w.kick();
      running.set(this.workers.size);
    }, 10_000);
    this.resync.unref();
  }

  stop() {
    clearInterval(this.resync);
    clearInterval(this.orphanSweep);
    clearTimeout(this.sweepSoon);
    this.started = false;
    this.stopReporting?.();
    this.informers.close();
  }

  /** The pods the eviction manager may pick from, with what it needs to rank them. */
  evictionCandidates(): EvictablePod[] {
    const out: EvictablePod[] = [];
    for (const w of this.workers.values()) {
      if (!w.evictable) continue;
      const pod = w.pod;
      out.push({
        uid: w.uid,
        name: `${pod.metadata.namespace}/${pod.metadata.name}`,
        priority: pod.spec.priority ?? 0,
        critical: (pod.spec.priority ?? 0) >= CRITICAL_PRIORITY, // never evicted, as by the kubelet
        // Sidecars run (and use memory) beside the app containers: their requests protect the pod too.
        containers: [...pod.spec.containers, ...(pod.spec.initContainers ?? []).filter(isSidecar)].map((c) => {
          const id = w.currentContainerId(c.name);
          return { name: c.name, id, memoryRequest: bytesRequested(c, 'memory'), ephemeralRequest: bytesRequested(c, 'ephemeral-storage'), writableLayer: id ? this.deps.runtime.writableLayer?.(id) : undefined };
        }),
        storagePaths: [w.dir, podLogDir(this.deps.dataDir, pod)],
        localStorage: localStorageLimits(
          pod,
          w.dir,
          this.deps.dataDir,
          (name) => w.volumePath(name),
          (c) => {
            const id = w.currentContainerId(c);
            return id ? this.deps.runtime.writableLayer?.(id) : undefined;
          },
        ),
      });
    }
    return out;
  }

  /** Pods that run here now (not finished, not leaving), with their directories and volume paths. */
  activePods(): { uid: string; dir: string; pod: Pod; volumePath(name: string): string | undefined }[] {
    // dir: where the pod's CSI volumes are recorded (vol_data.json), the CSI pod directory (--kubelet-dir may move it from w.dir).
    return [...this.workers.values()].filter((w) => w.evictable).map((w) => ({ uid: w.uid, dir: this.csiVolumes.podDir(w.uid), pod: w.pod, volumePath: (name: string) => w.volumePath(name) }));
  }

  /** The image references of every container of every pod here, running or torn down (image GC keeps them). */
  imageReferencesInUse(): string[] {
    const out: string[] = [];
    for (const w of this.workers.values()) {
      const spec = w.pod.spec;
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) if (c.image) out.push(c.image);
    }
    return out;
  }

  /** The pods the stats collector measures (agent/stats). */
  statsTargets(): StatsPodTarget[] {
    const out: StatsPodTarget[] = [];
    for (const w of this.workers.values()) {
      const t = w.statsTarget();
      if (t) out.push(t);
    }
    return out;
  }

  /** Set the check new pods must pass (the eviction manager's, from the node's current pressure). */
  setAdmission(check: (pod: Pod) => string | undefined) {
    this.admission = check;
  }

  /** Whether an evicted pod's containers and volumes are gone (or the pod itself is). */
  evictionCleanedUp(uid: string): boolean {
    const w = this.workers.get(uid);
    return !w || w.evictionDone;
  }

  evict(uid: string, message: string, maxGraceSeconds = 0) {
    this.workers.get(uid)?.evict(message, maxGraceSeconds);
  }

  /**
   * The worker of the pod with this name. A StatefulSet's replacement pod has its predecessor's name
   * while the old one is still being torn down: the pod not being deleted wins, then the newest.
   */
  worker(namespace: string, name: string): PodWorker | undefined {
    let best: PodWorker | undefined;
    const rank = (w: PodWorker) => [w.pod.metadata.deletionTimestamp ? 0 : 1, Date.parse(w.pod.metadata.creationTimestamp ?? '') || 0];
    for (const w of this.workers.values()) {
      if (w.pod.metadata.namespace !== namespace || w.pod.metadata.name !== name) continue;
      if (!best) best = w;
      else {
        const [a, b] = [rank(w), rank(best)];
        if (a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1])) best = w;
      }
    }
    return best;
  }

  private upsert(o: KObject) {
    const pod = o as unknown as Pod;
    const uid = pod.metadata.uid;
    let w = this.workers.get(uid);
    if (!w) {
      w = new PodWorker(pod, this.deps);
      this.workers.set(uid, w);
      running.set(this.workers.size);
      this.log.info('pod assigned to this node', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, uid });
      // Only pods that never ran here are admitted; what runs already (an agent restart) stays.
      const isNew = !pod.status?.phase || pod.status.phase === 'Pending';
      const refusal = isNew && !pod.metadata.deletionTimestamp && !this.deps.runtime.list().some((c) => c.podUid === uid) ? this.admission?.(pod) : undefined;
      if (refusal) w.reject(refusal);
    }
    w.update(pod);
  }

  private removed(o: KObject) {
    const uid = o.metadata?.uid ?? '';
    const w = this.workers.get(uid);
    if (!w) return;
    w.forget();
    // The worker cleans up asynchronously; drop it from the map once that has had time to finish.
    setTimeout(() => {
      this.workers.delete(uid);
      running.set(this.workers.size);
    }, 60_000).unref();
  }

  private async sweepOrphans() {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.collectOrphans();
    } catch (e) {
      this.log.warn('collecting what deleted pods left failed', { err: e });
    } finally {
      this.sweeping = false;
    }
  }

  /** Containers and pod directories of pods the API no longer knows (and no worker is handling). */
  private async collectOrphans() {
    const known = new Set([...this.informer.list().map((p) => p.metadata?.uid), ...this.workers.keys()]);
    const uids = new Set<string>();
    for (const c of this.deps.runtime.list()) if (!known.has(c.podUid)) uids.add(c.podUid);
    // The CSI pod directories too, when --kubelet-dir puts them elsewhere.
    for (const dir of new Set([this.deps.dataDir, this.deps.csiDir ?? this.deps.dataDir])) for (const d of await readdir(join(dir, 'pods')).catch(() => [] as string[])) if (!known.has(d)) uids.add(d);
    for (const u of await logDirUids(this.deps.dataDir)) if (!known.has(u)) uids.add(u);
    for (const uid of uids) {
      this.log.info('removing what is left of a deleted pod', { uid });
      // Only the uid is known: the worker's cleanup finds the pod's log directory by it.
      const w = new PodWorker({ metadata: { uid, name: 'orphan', namespace: 'orphan' }, spec: { containers: [] } } as Pod, this.deps);
      await w.cleanup({ orphan: true });
    }
  }
}
