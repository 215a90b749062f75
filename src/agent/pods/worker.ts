// One pod's worker: drives the pod on this node toward its spec, level-triggered. What to do is the
// planner's (plan.ts: init containers and sidecars in order, restarts per restartPolicy with the
// kubelet's back-off, probe-failure restarts, the active deadline, when to stop); this file carries
// it out. Each sync snapshots what the worker knows, asks the planner, then sets up what is missing
// (network, namespaces, volumes), creates and starts containers, and publishes the status it
// observes. A pod being deleted is stopped gracefully (preStop, SIGTERM, grace period, SIGKILL; its
// sidecars after the app containers, the last declared first), cleaned up (containers, mounts,
// cgroups, network namespace) and then removed from the API.

import { ifMissing, ignoreError, logFailure } from '../../util/best-effort.js';
import { mkdir, rm, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KObject } from '../../api/kind.js';
import type { EventRecorder } from '../../client/events.js';
import { R } from '../../client/resources.js';
import { isNotFound, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { containerLogDir, findPodLogDirs, podLogDir } from '../logs/pod-log-dir.js';
import { ImageError, type ImageInfo, type ImageStore } from '../images/types.js';
import type { CniNetwork } from '../network/cni.js';
import { ProbeLoop } from '../probes/probe-loop.js';
import { mountsUnder } from '../runtime/host.js';
import type { ContainerInfo, Mount, Runtime, Sandbox, SecuritySettings } from '../runtime/types.js';
import { checkRunAsNonRoot, containerSecurity, SecurityError } from '../security/container-security.js';
import { hostAppArmorEnabled } from '../security/apparmor.js';
import { hostSecurity, userNamespaceRefusal } from '../security/host-security.js';
import { unenforceableByProcessRuntime } from '../security/process-refusal.js';
import { cachedRuntimeClassLookup, checkRuntimeClass, type RuntimeClassLookup } from '../runtime/runtime-class.js';
import { cleanupVolumes, prepareVolumes, refreshVolume, volumesNeedPodIP, type PreparedVolume, type VolumeSources } from '../volumes/volumes.js';
import type { CsiVolumeManager } from '../volumes/csi-mounter.js';
import { containerDevices } from '../volumes/container-devices.js';
import type { VolumeError } from '../volumes/volume-error.js';
import { removeStaged, stageSubPath, subPathOf } from '../volumes/subpath.js';
import { buildEnv, commandLine, qosClass, resolveUser, resourcesOf, type RefResolver } from './container-config.js';
import { podHostname, writePodFiles, type DnsSettings } from './pod-files.js';
import { containerOomScoreAdj } from '../node/oom-score.js';
import { computeStatus, terminatedOf, type ContainerRecord } from './status.js';
import { computePodActions, exitBackoff, gracePeriodSeconds, MAX_BACKOFF_MS, type ContainerRef, type ContainerSnapshot, type PodState } from './plan.js';
import { podStartDuration } from './kubelet-metrics.js';
import { podRefusal } from './admission.js';
import { runPreStop } from './pre-stop.js';
import { nowTime, type Container, type Pod } from './types.js';
import { isSidecar } from '../../api/sidecars.js';
import type { CsiRegistry } from '../../csi/types.js';
import type { StatsContainerTarget, StatsPodTarget, StatsVolumeTarget } from '../stats/types.js';
import { propagationRefusal } from '../runtime/mount-propagation.js';
import { createPodUserNs, shiftOwnership } from '../runtime/userns.js';
import type { UserNsRanges } from '../security/userns-ranges.js';

export interface WorkerDeps {
  nodeName: string;
  hostIP: string;
  dataDir: string;
  runtime: Runtime;
  network: CniNetwork;
  images: ImageStore;
  client: RestClient;
  recorder: EventRecorder;
  log: Logger;
  dns: DnsSettings;
  sources: VolumeSources & RefResolver;
  nodeCapacity: Record<string, number>;
  /** First restart back-off (the kubelet's 10 s), doubled per crash up to 5 min. */
  restartBackoffMs: number;
  /** Each pod's PID limit (--pod-max-pids); unset = unlimited. */
  podMaxPids?: number;
  /** Containers' oom_score_adj is clamped to at least this (what this process may set; -1000 = anything). */
  oomScoreAdjFloor?: number;
  /** RuntimeClasses by name (a pod naming one runs only if its handler is this agent's); default: asked of the API. */
  runtimeClasses?: RuntimeClassLookup;
  /** The CSI drivers registered on this node (the plugin watcher, src/agent/csi), for CSI volumes. */
  csi?: CsiRegistry;
  /** The base of the CSI paths (src/csi/paths.ts): the agent's directory, or --kubelet-dir. */
  csiDir?: string;
  /** The node's CSI volume manager (stage/publish reference counts shared by all pods); the PodManager makes it from csi. */
  csiVolumes?: CsiVolumeManager;
  /** Host uid/gid ranges for pods with hostUsers: false (persisted); unset = such pods are refused. */
  userNsRanges?: UserNsRanges;
}

const SANDBOX_RETRY_MIN_MS = 250;
const SANDBOX_RETRY_MAX_MS = 2000;

export class PodWorker {
  private sandbox?: Sandbox;
  private podIP = '';
  private volumes?: Map<string, PreparedVolume>;
  private files?: { hosts: string; hostname: string; resolv: string };
  private records = new Map<string, ContainerRecord>();
  private syncing = false;
  private again = false;
  private wake?: NodeJS.Timeout;
  private lastStatus = '';
  private startTime?: string;
  /** When this agent first saw the pod (still Pending), until it runs: kubelet_pod_start_duration_seconds. */
  private firstSeen?: bigint;
  private sandboxError?: { reason: string; message: string };
  /** The next retry of a failed sandbox or volume set-up: soon at first (a claim binding a moment later is the usual case), doubling to 2 s. */
  private sandboxRetryMs = SANDBOX_RETRY_MIN_MS;
  private terminating?: Promise<void>;
  private finished = false;
  private gone = false;
  private lastPhase?: string;
  private deadlineExceeded = false;
  /** Set by the eviction manager: the pod is failed with reason Evicted and never runs again here. */
  private evicted?: { message: string; rejected?: boolean; done?: boolean; graceSeconds?: number };
  private rejected?: { reason: string; message: string };
  readonly dir: string;

  constructor(
    public pod: Pod,
    private d: WorkerDeps,
  ) {
    this.dir = join(d.dataDir, 'pods', pod.metadata.uid);
    this.startTime = pod.status?.startTime;
    // A pod already past Pending (the agent restarted) did not start now: it is not timed.
    if (!pod.status?.phase || pod.status.phase === 'Pending') this.firstSeen = process.hrtime.bigint();
  }

  get uid() {
    return this.pod.metadata.uid;
  }

  private get log() {
    return this.d.log.child({ pod: `${this.pod.metadata.namespace}/${this.pod.metadata.name}` });
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string) {
    this.d.recorder.record({ apiVersion: 'v1', kind: 'Pod', metadata: this.pod.metadata } as KObject, type, reason, message);
  }

  update(pod: Pod) {
    this.pod = pod;
    this.kick();
  }

  /** Re-run sync soon; coalesces bursts and never runs two syncs at once. */
  kick() {
    if (this.finished) return;
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    void (async () => {
      do {
        this.again = false;
        try {
          await this.sync();
        } catch (e) {
          this.log.warn('pod sync failed; retrying', { err: e });
          this.wakeIn(2000);
        }
      } while (this.again && !this.finished);
      this.syncing = false;
    })();
  }

  /** Volumes holding service account tokens are written again before the tokens expire (the kubelet's token manager). */
  private refreshTimer?: NodeJS.Timeout;

  private scheduleVolumeRefresh() {
    clearTimeout(this.refreshTimer);
    const due = Math.min(...[...(this.volumes?.values() ?? [])].map((v) => v.refreshAt ?? Infinity));
    if (!Number.isFinite(due)) return;
    this.refreshTimer = setTimeout(() => this.kick(), Math.min(Math.max(due - Date.now(), 0) + 10, 2 ** 31 - 1));
    this.refreshTimer.unref();
  }

  private async refreshDueVolumes() {
    const now = Date.now();
    for (const [name, pv] of this.volumes ?? []) {
      if (pv.refreshAt === undefined || pv.refreshAt > now) continue;
      try {
        const fresh = await refreshVolume(this.pod, this.dir, name, this.d.sources, { hostIP: this.d.hostIP, podIP: this.podIP }, this.d.csiVolumes);
        if (fresh) this.volumes!.set(name, fresh);
      } catch (e) {
        // The current token stays until it expires; try again soon.
        this.log.warn('refreshing a service account token failed; retrying', { volume: name, err: e });
        pv.refreshAt = now + 10_000;
      }
    }
    this.scheduleVolumeRefresh();
  }

  /** At an instant the planner chose: the actions before may have taken a while (an image pull). */
  private wakeAt(at: number) {
    this.wakeIn(Math.max(0, at - Date.now()));
  }

  private wakeIn(ms: number) {
    clearTimeout(this.wake);
    this.wake = setTimeout(() => this.kick(), ms);
    this.wake.unref();
  }

  /** Records of this pod's containers, created on first sight; adopts instances found in the runtime. */
  private record(c: Container, init: boolean): ContainerRecord {
    const key = `${init ? 'init' : 'app'}/${c.name}`;
    let r = this.records.get(key);
    if (!r) {
      r = { spec: c, init, restartCount: 0, backoffMs: 0, backoffUntil: 0, ready: false, started: false, probes: [] };
      const prefix = `${this.uid.slice(0, 8)}-${init ? 'i' : 'c'}-${c.name}-`;
      const found = this.d.runtime.list().filter((i) => i.podUid === this.uid && i.id.startsWith(prefix));
      found.sort((a, b) => Number(a.id.slice(prefix.length)) - Number(b.id.slice(prefix.length)));
      const latest = found.pop();
      if (latest) {
        r.restartCount = Number(latest.id.slice(prefix.length)) || 0;
        this.adopt(r, latest);
      }
      this.records.set(key, r);
    }
    r.spec = c;
    return r;
  }

  private adopt(r: ContainerRecord, info: ContainerInfo) {
    r.current = info;
    if (info.state === 'running') {
      r.started = !r.spec.startupProbe;
      // As at a start: a plain init container is never ready, a sidecar is as an app container.
      r.ready = !r.spec.readinessProbe && (!r.init || isSidecar(r.spec));
      this.startProbes(r);
      void this.d.runtime.waitExit(info.id).then((i) => this.onExit(r, i));
    }
  }

  /** One sync: snapshot what is known, ask the planner (plan.ts) what to do, do it, publish the status. */
  private async sync() {
    const pod = this.pod;
    // Know (and re-adopt) every container first, so status stays true while the sandbox is checked.
    // A pod that is leaving skips this: it is only stopped and cleaned up.
    if (!pod.metadata.deletionTimestamp && !this.gone && !this.evicted) {
      this.startTime ??= nowTime();
      for (const c of pod.spec.initContainers ?? []) this.record(c, true);
      for (const c of pod.spec.containers) this.record(c, false);
    }
    const now = Date.now();
    const actions = computePodActions(pod, this.snapshot(), now, { initialMs: this.d.restartBackoffMs, maxMs: MAX_BACKOFF_MS });
    if (actions.length === 0) return;
    for (const a of actions) {
      switch (a.type) {
        case 'terminate':
          return this.terminate(a.graceSeconds, a.finalize);
        case 'evict':
          return this.syncEvicted();
        case 'kill':
          this.killForProbe(this.containerOf(a.container), a.probe, a.graceSeconds);
          break;
        case 'setUp':
          if (this.admit() === false || !(await this.ensureSandbox())) return this.publish();
          break;
        case 'start': {
          const r = this.containerOf(a.container);
          await this.startContainer(r);
          if (a.nextBackoffMs !== undefined) r.backoffMs = a.nextBackoffMs;
          // A sidecar that started lets the next container go on: plan again after this sync.
          if (r.init && r.started && isSidecar(r.spec)) this.kick();
          break;
        }
        case 'backOff': {
          const r = this.containerOf(a.container);
          if (a.crashLoop) r.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(a.backoffMs / 1000)}s restarting failed container=${r.spec.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${this.uid})` };
          this.wakeAt(a.retryAt);
          break;
        }
        case 'wake':
          this.wakeAt(a.at);
          break;
        case 'failDeadline':
          this.failDeadline(a.graceSeconds);
          break;
        case 'stop':
          this.stopSidecar(this.containerOf(a.container), a.graceSeconds);
          break;
      }
    }
    await this.publish();
    const st = this.lastPhase;
    if (st === 'Succeeded' || st === 'Failed') await this.releaseSandbox();
  }

  /** What the planner is given: this worker's knowledge as plain data. */
  private snapshot(): PodState {
    const initContainers: Record<string, ContainerSnapshot> = {};
    const containers: Record<string, ContainerSnapshot> = {};
    for (const r of this.records.values()) {
      (r.init ? initContainers : containers)[r.spec.name] = { state: r.current?.state, exitCode: r.current?.exitCode, backoffMs: r.backoffMs, backoffUntil: r.backoffUntil, probeFailure: r.probeFailure, started: r.started, stopping: r.stopping };
    }
    return {
      gone: this.gone,
      evicted: this.evicted && { done: !!this.evicted.done },
      published: this.lastStatus !== '',
      startTime: this.startTime ? Date.parse(this.startTime) : undefined,
      deadlineExceeded: this.deadlineExceeded,
      initContainers,
      containers,
    };
  }

  private containerOf(c: ContainerRef): ContainerRecord {
    return this.records.get(`${c.init ? 'init' : 'app'}/${c.name}`)!;
  }

  /**
   * Fail this pod for the eviction manager: the kubelet's hard eviction kills the containers without
   * a grace period (maxGraceSeconds 0), a soft one gives the pod its own grace period up to
   * maxGraceSeconds; the pod object stays (phase Failed, reason Evicted) for its owner to replace.
   */
  evict(message: string, maxGraceSeconds = 0) {
    if (this.evicted || this.terminating || this.finished) return;
    this.evicted = { message, graceSeconds: Math.min(gracePeriodSeconds(this.pod), maxGraceSeconds) };
    this.log.warn('evicting pod', { message });
    this.event('Warning', 'Evicted', message);
    this.kick();
  }

  /** Refused at admission (node under pressure): failed with reason Evicted before anything runs. */
  reject(message: string) {
    if (this.evicted || this.terminating || this.finished) return;
    this.evicted = { message, rejected: true };
    this.log.warn('pod refused: the node is under pressure', { message });
    this.event('Warning', 'Evicted', message);
  }

  /** Whether an eviction of this pod has handed back what it held (containers killed and removed, volumes torn down). */
  get evictionDone(): boolean {
    return this.evicted?.done === true;
  }

  /** Whether the eviction manager may still pick this pod: running here, not leaving already. */
  get evictable(): boolean {
    const phase = this.lastPhase ?? this.pod.status?.phase;
    return !this.evicted && !this.terminating && !this.finished && !this.gone && !this.pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
  }

  /** Id of a container's running instance, for its cgroup's memory use (none: it uses no memory). */
  currentContainerId(name: string): string | undefined {
    // A sidecar's too: it runs beside the app containers (names are unique across both lists).
    const cur = (this.records.get(`app/${name}`) ?? this.records.get(`init/${name}`))?.current;
    return cur?.state === 'running' ? cur.id : undefined;
  }

  /** In sync(): kill what runs (grace 0, as for a hard threshold), publish Failed/Evicted, free the network. */
  private async syncEvicted() {
    if (this.evicted?.done) return;
    // All containers at once: under a soft threshold each has the same grace period, not one after the other.
    await Promise.all(
      [...this.records.values()].map(async (r) => {
        for (const p of r.probes) p.stop();
        r.probes = [];
        if (r.current?.state === 'running') await this.d.runtime.stop(r.current.id, this.evicted?.graceSeconds ?? 0);
      }),
    );
    await this.publish();
    await this.releaseSandbox();
    // What the pod held on disk is handed back now, not when its object is deleted (maybe never):
    // an eviction for disk pressure must relieve it, as the kubelet tears down a terminated pod's
    // volumes and collects its dead containers. Logs stay for `kubectl logs`.
    for (const r of this.records.values()) if (r.current) await this.d.runtime.remove(r.current.id).catch(logFailure(this.log, 'removing a container of the evicted pod', { id: r.current.id }));
    await cleanupVolumes(this.dir, this.d.csiVolumes).catch(logFailure(this.log, 'removing the volumes of the evicted pod'));
    this.evicted!.done = true;
  }

  /** The pod ran past its activeDeadlineSeconds: it fails, and what runs is stopped. */
  private failDeadline(graceSeconds: number) {
    this.deadlineExceeded = true;
    this.event('Normal', 'DeadlineExceeded', `Pod was active on the node longer than the specified deadline`);
    for (const r of this.records.values()) if (r.current?.state === 'running') void this.d.runtime.stop(r.current.id, graceSeconds);
  }

  /** The pod is done: a sidecar stops for good (preStop, then SIGTERM); its exit starts the next sync, which stops the one before it. */
  private stopSidecar(r: ContainerRecord, graceSeconds: number) {
    if (r.current?.state !== 'running' || r.stopping) return;
    r.stopping = true;
    for (const p of r.probes) p.stop();
    r.probes = [];
    this.event('Normal', 'Killing', `Stopping container ${r.spec.name}`);
    const deadline = Date.now() + graceSeconds * 1000;
    const id = r.current.id;
    void (async () => {
      await this.preStop(r, deadline);
      await this.d.runtime.stop(id, Math.max(0, (deadline - Date.now()) / 1000));
    })().catch(logFailure(this.log, 'stopping a sidecar', { container: r.spec.name }));
  }

  /** The node's admission (admission.ts): a refused pod fails at once and nothing is set up for it. False when refused. */
  private admit(): boolean {
    if (this.rejected) return false;
    if (this.sandbox) return true;
    const refusal = podRefusal(this.pod, hostAppArmorEnabled());
    if (!refusal) return true;
    this.rejected = { reason: refusal.reason, message: `Pod was rejected: ${refusal.detail}` };
    this.event('Warning', refusal.reason, refusal.detail);
    return false;
  }

  /** Network namespace, pod IP, shared namespaces, /etc files and volumes; false while they cannot be made. */
  private async ensureSandbox(): Promise<boolean> {
    const pod = this.pod;
    try {
      const userNsProblem = pod.spec.hostUsers === false && !this.sandbox ? userNamespaceRefusal(this.d.runtime.name, !!this.d.userNsRanges) : undefined;
      if (userNsProblem) throw Object.assign(new Error(userNsProblem), { reason: 'FailedCreatePodSandBox', msg: `Failed to create pod sandbox: ${userNsProblem}` });
      let early: Promise<void> | undefined;
      if (!this.sandbox) {
        // A RuntimeClass whose handler this node lacks: no sandbox, never runc in its place.
        const handlerProblem = await checkRuntimeClass(pod.spec.runtimeClassName, (this.d.runtimeClasses ??= cachedRuntimeClassLookup(this.d.client)));
        if (handlerProblem) throw Object.assign(new Error(handlerProblem), { reason: 'FailedCreatePodSandBox', msg: `Failed to create pod sandbox: ${handlerProblem}` });
        await mkdir(this.dir, { recursive: true });
        // Volumes are mounted while the network and sandbox are set up, as the kubelet's volume
        // manager mounts them before the sandbox: a claim's stage and publish no longer wait for CNI.
        // Not when a downward API file needs the pod's IP, which the network setup gives.
        early = !this.volumes && !volumesNeedPodIP(pod) ? this.mountVolumes() : undefined;
        // Awaited below, after the sandbox: until then a rejection must not count as unhandled.
        early?.catch(ignoreError('volume mounting started early fails the sync when awaited'));
        try {
          await this.createSandbox(pod);
        } catch (e) {
          // The sandbox's failure is the one reported; the mounts' (if any) comes again on the retry.
          await early?.catch(ignoreError('the sandbox failed first: its error is the one reported'));
          throw e;
        }
        await early;
      }
      if (early || !this.volumes) {
        if (!this.volumes) await this.mountVolumes();
        this.scheduleVolumeRefresh();
      } else await this.refreshDueVolumes();
      if (this.sandboxError) this.sandboxError = undefined;
      this.sandboxRetryMs = SANDBOX_RETRY_MIN_MS;
      return true;
    } catch (e) {
      const err = e as Error & { reason?: string; msg?: string };
      const reason = err.reason ?? 'FailedCreatePodSandBox';
      const message = err.msg ?? err.message;
      if (this.sandboxError?.message !== message) {
        this.event('Warning', reason, message);
        this.log.warn('pod sandbox not ready', { reason, err: message });
      }
      this.sandboxError = { reason, message };
      this.wakeIn(this.sandboxRetryMs);
      this.sandboxRetryMs = Math.min(this.sandboxRetryMs * 2, SANDBOX_RETRY_MAX_MS);
      return false;
    }
  }

  /** Network, runtime sandbox and the pod's /etc files. */
  private async createSandbox(pod: Pod) {
    let netnsPath: string | undefined;
    // hostUsers: false: the pod's own user namespace first; its network, uts and ipc namespaces are made inside it.
    let userNs: Sandbox['userNs'];
    if (pod.spec.hostUsers === false && this.d.userNsRanges) {
      const range = (() => {
        try {
          return this.d.userNsRanges.allocate(this.uid);
        } catch (e) {
          throw Object.assign(e as Error, { reason: 'FailedCreatePodSandBox', msg: `Failed to create pod sandbox: ${(e as Error).message}` });
        }
      })();
      userNs = { path: join(this.dir, 'ns', 'user'), ...range };
      await createPodUserNs(userNs.path, range);
    }
    // The process runtime has no network namespaces: its pods are on the host's network.
    if (pod.spec.hostNetwork || !this.d.runtime.capabilities.podNetwork) this.podIP = this.d.hostIP;
    else {
      const net = await this.d.network.setup(this.uid, userNs?.path).catch((e: Error) => {
        throw Object.assign(e, { reason: 'FailedCreatePodSandBox', msg: `Failed to create pod sandbox: ${e.message}` });
      });
      netnsPath = net.netnsPath;
      this.podIP = net.ip;
    }
    this.sandbox = await this.d.runtime.createSandbox({ podUid: this.uid, hostname: podHostname(pod), dir: this.dir, netnsPath, hostNetwork: pod.spec.hostNetwork || !this.d.runtime.capabilities.podNetwork, pidsLimit: this.d.podMaxPids, ...(userNs ? { userNs } : {}) });
    this.files = await writePodFiles(pod, this.dir, this.podIP, this.d.dns);
  }

  /** Every volume of the pod, once; a failure is FailedMount and is tried again at the next sync. */
  private async mountVolumes() {
    const pod = this.pod;
    const volumes = await prepareVolumes(pod, this.dir, this.d.sources, { hostIP: this.d.hostIP, podIP: this.podIP }, this.d.csiVolumes).catch((e: Error) => {
      throw Object.assign(e, { reason: 'FailedMount', msg: (e as VolumeError).eventMessage ?? `MountVolume.SetUp failed: ${e.message}` });
    });
    // hostUsers: false: the volumes (emptyDir, configMap, secret, downwardAPI, projected only; admit())
    // are shifted to the pod's range, so the container's root owns them as it would its own files.
    const range = pod.spec.hostUsers === false ? this.d.userNsRanges?.allocate(this.uid) : undefined;
    if (range) for (const v of volumes.values()) await shiftOwnership(v.path, range);
    this.volumes = volumes;
  }

  private async ensureImage(r: ContainerRecord): Promise<ImageInfo | undefined> {
    const c = r.spec;
    const policy = c.imagePullPolicy ?? (c.image.endsWith(':latest') || !/:[^/]+$/.test(c.image.split('@')[0]) ? 'Always' : 'IfNotPresent');
    try {
      const present = await this.d.images.get(c.image);
      if (present && policy !== 'Always') {
        if (!r.image) this.event('Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
        return present;
      }
      if (!present && policy !== 'Never') this.event('Normal', 'Pulling', `Pulling image "${c.image}"`);
      const t0 = Date.now();
      const img = await this.d.images.ensure(c.image, policy);
      if (!present) this.event('Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${((Date.now() - t0) / 1000).toFixed(3)}s`);
      return img;
    } catch (e) {
      const reason = e instanceof ImageError ? e.reason : 'ErrImagePull';
      const message = (e as Error).message;
      const backingOff = r.waiting?.reason === 'ErrImagePull' || r.waiting?.reason === 'ImagePullBackOff';
      r.waiting = { reason: backingOff && reason === 'ErrImagePull' ? 'ImagePullBackOff' : reason, message: backingOff ? `Back-off pulling image "${c.image}": ${message}` : message };
      this.event('Warning', backingOff ? 'BackOff' : 'Failed', backingOff ? `Back-off pulling image "${c.image}"` : `Failed to pull image "${c.image}": ${message}`);
      r.imageBackoffMs = r.imageBackoffMs ? Math.min(r.imageBackoffMs * 2, MAX_BACKOFF_MS) : this.d.restartBackoffMs;
      r.backoffUntil = Date.now() + r.imageBackoffMs;
      this.wakeIn(r.imageBackoffMs + 10);
      return undefined;
    }
  }

  private async startContainer(r: ContainerRecord) {
    const pod = this.pod;
    const c = r.spec;
    const image = await this.ensureImage(r);
    if (!image) return;
    r.image = image;
    r.imageBackoffMs = 0;
    let env: string[];
    let user: ReturnType<typeof resolveUser>;
    let security: SecuritySettings | undefined;
    try {
      env = await buildEnv(pod, c, image, this.d.sources, { hostIP: this.d.hostIP, podIP: this.podIP }, this.d.nodeCapacity);
      user = resolveUser(pod, c, image);
      security = this.securityOf(c, image, user.uid);
    } catch (e) {
      return this.configError(r, (e as Error).message, (e as SecurityError).reason);
    }
    const next = r.current ? r.restartCount + 1 : r.restartCount;
    const id = `${this.uid.slice(0, 8)}-${r.init ? 'i' : 'c'}-${c.name}-${next}`;
    const logDir = containerLogDir(this.d.dataDir, pod, c.name, this.uid);
    await mkdir(logDir, { recursive: true });
    const devices = containerDevices(c, this.volumes);
    if (typeof devices === 'string') return this.configError(r, devices);
    const mounts: Mount[] = [];
    if (this.files) {
      mounts.push({ source: this.files.hosts, destination: '/etc/hosts' }, { source: this.files.hostname, destination: '/etc/hostname' }, { source: this.files.resolv, destination: '/etc/resolv.conf' });
    }
    const termLog = join(this.dir, 'termination', `${c.name}-${next}`);
    await mkdir(join(this.dir, 'termination'), { recursive: true });
    await writeFile(termLog, '');
    mounts.push({ source: termLog, destination: c.terminationMessagePath ?? '/dev/termination-log' });
    for (const vm of c.volumeMounts ?? []) {
      const v = this.volumes?.get(vm.name);
      if (!v) {
        r.waiting = { reason: 'CreateContainerConfigError', message: `volume "${vm.name}" is not a volume of this pod` };
        return;
      }
      let source = v.path;
      const sub = subPathOf(vm, env);
      if (sub instanceof Error || sub) {
        // Resolved inside the volume without following symlinks out of it, then staged where only the agent writes.
        const staged = sub instanceof Error ? sub : await stageSubPath(v.path, sub, join(this.dir, 'subpaths', id, String(mounts.length))).catch((e: Error) => e);
        if (staged instanceof Error) {
          await removeStaged(join(this.dir, 'subpaths', id)).catch(logFailure(this.log, 'removing staged subPaths', { container: c.name }));
          return this.configError(r, `failed to prepare subPath for volumeMount "${vm.name}" of container "${c.name}": ${staged.message}`);
        }
        source = staged;
      }
      const propagation = vm.mountPropagation === 'Bidirectional' ? 'rshared' : vm.mountPropagation === 'HostToContainer' ? 'rslave' : undefined;
      if (propagation) {
        // The kubelet's rule: propagation needs a source on a shared (Bidirectional) or at least slave mount.
        const refusal = await propagationRefusal(source, propagation);
        if (refusal) return this.configError(r, `volumeMount "${vm.name}" of container "${c.name}": ${refusal}`);
      }
      mounts.push({ source, destination: vm.mountPath, readOnly: vm.readOnly || v.readOnly, ...(propagation ? { propagation } : {}) });
    }
    const args = commandLine(c, image, env);
    if (args.length === 0) {
      r.waiting = { reason: 'CreateContainerError', message: 'no command specified: the image has no entrypoint or cmd and the container sets no command' };
      return;
    }
    // The previous instance's log stays for `kubectl logs --previous`; older ones go.
    if (r.current) {
      if (r.current.state === 'exited') r.previous = terminatedOf(r.current);
      const old = r.current.id;
      await this.d.runtime.remove(old).catch(logFailure(this.log, 'removing the previous container instance', { id: old }));
      await removeStaged(join(this.dir, 'subpaths', old)).catch(logFailure(this.log, 'removing staged subPaths', { id: old }));
      await pruneLogs(logDir, next);
    }
    const sc = c.securityContext ?? {};
    const info = await this.d.runtime.createContainer(this.sandbox!, {
      id,
      podUid: this.uid,
      name: c.name,
      layers: image.layerDirs,
      args,
      env,
      cwd: c.workingDir ?? image.config.workingDir ?? '/',
      uid: user.uid,
      gid: user.gid,
      additionalGids: user.additionalGids,
      tty: !!c.tty,
      stdin: !!c.stdin,
      mounts,
      resources: resourcesOf(c),
      privileged: !!sc.privileged,
      readOnlyRootfs: !!sc.readOnlyRootFilesystem,
      capAdd: sc.capabilities?.add ?? [],
      capDrop: sc.capabilities?.drop ?? [],
      logPath: join(logDir, `${next}.log`),
      oomScoreAdj: Math.max(this.d.oomScoreAdjFloor ?? -1000, containerOomScoreAdj(pod, c, this.d.nodeCapacity.memory ?? 0)),
      security,
      ...(devices.length ? { devices } : {}),
    });
    r.restartCount = next;
    r.current = info;
    r.waiting = undefined;
    r.probeFailure = undefined;
    r.stopping = undefined;
    r.ready = false;
    r.started = false;
    r.termMessagePath = termLog;
    this.event('Normal', 'Created', `Created container ${c.name}`);
    const started = await this.d.runtime.start(id);
    if (started.state === 'running') {
      this.event('Normal', 'Started', `Started container ${c.name}`);
      r.started = !c.startupProbe;
      // A plain init container is never ready; a sidecar is, as an app container.
      r.ready = !c.readinessProbe && (!r.init || isSidecar(c));
      this.startProbes(r);
    } else if (started.startError) {
      this.event('Warning', 'Failed', `Error: failed to start container "${c.name}": ${started.startError}`);
    }
    void this.d.runtime.waitExit(id).then((i) => this.onExit(r, i));
  }

  /** The isolation container c gets; throws a SecurityError when what it asks for cannot be enforced here. */
  private securityOf(c: Container, image: ImageInfo, uid: number): SecuritySettings | undefined {
    if (!this.d.runtime.capabilities.isolation) {
      const cannot = unenforceableByProcessRuntime(this.pod, c);
      if (cannot.length) throw new SecurityError(`the process runtime cannot enforce ${cannot.join(', ')}: it runs containers as plain host processes; run this pod on a node with the runc runtime`, 'CreateContainerConfigError');
      return undefined;
    }
    checkRunAsNonRoot(this.pod, c, image.config.user, uid);
    return containerSecurity(this.pod, c, hostSecurity(this.d.dataDir));
  }

  /** A container that cannot be configured as asked: it waits with the kubelet's reason, and the user sees why. */
  private configError(r: ContainerRecord, message: string, reason = 'CreateContainerConfigError') {
    r.waiting = { reason, message };
    this.event('Warning', 'Failed', `Error: ${message}`);
    this.wakeIn(5000);
  }

  private onExit(r: ContainerRecord, info: ContainerInfo) {
    if (r.current?.id !== info.id) return;
    for (const p of r.probes) p.stop();
    r.probes = [];
    r.ready = false;
    r.current = info;
    const stopping = !!this.pod.metadata.deletionTimestamp || !!this.terminating || !!r.stopping;
    const startedAt = info.startedAt ? Date.parse(info.startedAt) : undefined;
    const sidecar = r.init && isSidecar(r.spec);
    const { backoffUntil, crash, resetBackoff } = exitBackoff(this.pod, { exitCode: info.exitCode, backoffMs: r.backoffMs, startedAt: Number.isNaN(startedAt) ? undefined : startedAt, sidecar }, stopping, Date.now());
    if (backoffUntil !== undefined) r.backoffUntil = backoffUntil;
    if (resetBackoff) r.backoffMs = 0;
    if (crash) this.event('Warning', 'BackOff', `Back-off restarting failed container ${r.spec.name} in pod ${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`);
    this.kick();
  }

  /** A liveness or startup probe failed: the container is stopped, and restarted per restartPolicy when it has exited. */
  private killForProbe(r: ContainerRecord, probe: 'liveness' | 'startup', graceSeconds: number) {
    r.probeFailure = undefined;
    if (r.current?.state !== 'running') return;
    this.event('Normal', 'Killing', `Container ${r.spec.name} failed ${probe} probe, will be restarted`);
    void this.d.runtime.stop(r.current.id, graceSeconds);
  }

  private startProbes(r: ContainerRecord) {
    const c = r.spec;
    const id = r.current!.id;
    const target = {
      podIP: this.podIP,
      container: c,
      exec: async (command: string[], timeoutMs: number) => {
        const s = await this.d.runtime.exec(id, command, { tty: false, stdin: false });
        let output = '';
        s.stdout.on('data', (d) => (output += d));
        s.stderr?.on('data', (d) => (output += d));
        const t = setTimeout(() => s.kill(), timeoutMs);
        const { exitCode } = await s.exited;
        clearTimeout(t);
        return { exitCode, output };
      },
    };
    const startedAt = Date.now();
    const mk = (kind: 'liveness' | 'readiness' | 'startup', probe: NonNullable<Container['livenessProbe']>) =>
      new ProbeLoop(
        kind,
        probe,
        target,
        (ok) => {
          if (kind === 'readiness') r.ready = ok && r.started;
          if (kind === 'startup' && ok) {
            r.started = true;
            r.ready = !c.readinessProbe;
            for (const p of r.probes) if (p.kind !== 'startup') p.start(Date.now());
          }
          // The planner restarts it (a kill action) at the sync this kick starts.
          if (!ok && kind !== 'readiness' && r.current?.id === id) r.probeFailure = kind;
          this.kick();
        },
        (res) => this.event('Warning', 'Unhealthy', `${kind[0].toUpperCase()}${kind.slice(1)} probe failed: ${res.message}`),
      );
    r.probes = [];
    if (c.startupProbe) r.probes.push(mk('startup', c.startupProbe));
    if (c.livenessProbe) r.probes.push(mk('liveness', c.livenessProbe));
    if (c.readinessProbe) r.probes.push(mk('readiness', c.readinessProbe));
    for (const p of r.probes) if (p.kind === 'startup' || !c.startupProbe) p.start(startedAt);
  }

  private async publish() {
    const status = computeStatus(this.pod, {
      records: [...this.records.values()],
      podIP: this.podIP,
      hostIP: this.d.hostIP,
      startTime: this.startTime!,
      sandboxReady: !!this.sandbox && !!this.volumes,
      sandboxError: this.sandboxError,
      qos: qosClass(this.pod),
      deadlineExceeded: this.deadlineExceeded,
      evicted: this.evicted && { message: this.evicted.message, rejected: this.evicted.rejected },
      rejected: this.rejected,
    });
    this.lastPhase = status.phase;
    if (status.phase === 'Running' && this.firstSeen !== undefined) {
      podStartDuration.observe(Number(process.hrtime.bigint() - this.firstSeen) / 1e9);
      this.firstSeen = undefined;
    }
    const json = JSON.stringify(status);
    if (json === this.lastStatus) return;
    try {
      const updated = (await this.d.client.patch(R.pods, this.pod.metadata.namespace, this.pod.metadata.name, { status }, 'merge', 'status')) as unknown as Pod;
      this.lastStatus = json;
      if (updated?.metadata?.uid === this.uid) this.pod = { ...this.pod, status: updated.status };
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  }

  /** Stop every container (and the pod network) of a pod that finished: nothing will run again. */
  private async releaseSandbox() {
    if (!this.sandbox) return;
    for (const r of this.records.values()) for (const p of r.probes) p.stop();
    await this.d.network.teardown(this.uid);
  }

  /** The pod is being deleted (or is gone from the API): stop gracefully, clean up, then let the API remove it. */
  private terminate(grace: number, finalize: boolean): Promise<void> {
    this.terminating ??= (async () => {
      this.log.info('stopping pod', { gracePeriodSeconds: grace });
      const deadline = Date.now() + grace * 1000;
      // The app (and any running plain init) containers at once; then the sidecars, which serve
      // them to the end, one at a time and the last declared first, in what is left of the grace period.
      const sidecars = (this.pod.spec.initContainers ?? []).filter(isSidecar).map((c) => this.records.get(`init/${c.name}`));
      await Promise.all([...this.records.values()].filter((r) => !sidecars.includes(r)).map((r) => this.stopForDeletion(r, deadline)));
      for (const r of sidecars.reverse()) if (r) await this.stopForDeletion(r, deadline);
      await this.cleanup();
      if (finalize) {
        await this.d.client.request('DELETE', `/api/v1/namespaces/${encodeURIComponent(this.pod.metadata.namespace)}/pods/${encodeURIComponent(this.pod.metadata.name)}`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: this.uid } }).catch((e) => {
          if (!isNotFound(e) && (e as { code?: number }).code !== 409) throw e;
        });
      }
      this.finished = true;
      this.log.info('pod stopped and cleaned up');
    })();
    return this.terminating;
  }

  /** One container of a pod being deleted: preStop, then SIGTERM and SIGKILL at the deadline; resolves once it has exited. */
  private async stopForDeletion(r: ContainerRecord, deadline: number) {
    for (const p of r.probes) p.stop();
    if (r.current?.state !== 'running') return;
    this.event('Normal', 'Killing', `Stopping container ${r.spec.name}`);
    await this.preStop(r, deadline);
    await this.d.runtime.stop(r.current.id, Math.max(0, (deadline - Date.now()) / 1000));
  }

  private async preStop(r: ContainerRecord, deadline: number) {
    if (!r.current) return;
    try {
      await runPreStop(this.d.runtime, r.current.id, r.spec, this.podIP, deadline);
    } catch (e) {
      this.event('Warning', 'FailedPreStopHook', `PreStop hook for container ${r.spec.name} failed: ${(e as Error).message}`);
    }
  }

  /** Removes everything this pod had on the node. Safe to call again. orphan: the pod is gone from the API (found on disk). */
  async cleanup(opts: { orphan?: boolean } = {}) {
    clearTimeout(this.wake);
    clearTimeout(this.refreshTimer);
    // Each step on its own: one failing (logged) must not keep the others from freeing what they can.
    for (const r of this.records.values()) if (r.current) await this.d.runtime.remove(r.current.id).catch(logFailure(this.log, 'removing container', { id: r.current.id }));
    for (const i of this.d.runtime.list()) if (i.podUid === this.uid) await this.d.runtime.remove(i.id).catch(logFailure(this.log, 'removing container', { id: i.id }));
    await this.d.network.teardown(this.uid).catch(logFailure(this.log, 'tearing down the pod network'));
    if (this.sandbox) await this.d.runtime.removeSandbox(this.sandbox).catch(logFailure(this.log, 'removing the pod sandbox'));
    // No sandbox in memory (an orphan after a restart): the default paths, which may well not exist.
    else await this.d.runtime.removeSandbox({ podUid: this.uid, dir: this.dir, utsPath: join(this.dir, 'ns', 'uts'), ipcPath: join(this.dir, 'ns', 'ipc') }).catch(ifMissing);
    await cleanupVolumes(this.dir, this.d.csiVolumes, opts).catch(logFailure(this.log, 'removing the pod volumes'));
    // Its user namespace is gone with the sandbox: the range may go to another pod.
    this.d.userNsRanges?.release(this.uid);
    // Never delete through a mount that is still there (a staged subPath of a hostPath volume would lose its files).
    const left = await mountsUnder(this.dir);
    if (left.length) this.log.warn('pod directory kept: mounts remain under it', { mounts: left });
    else await rm(this.dir, { recursive: true, force: true }).catch(logFailure(this.log, 'removing the pod directory'));
    // By uid: an orphan's worker knows only the uid, not the namespace and name in the directory's name.
    for (const d of new Set([podLogDir(this.d.dataDir, this.pod, this.uid), ...(await findPodLogDirs(this.d.dataDir, this.uid))])) await rm(d, { recursive: true, force: true });
  }

  /** The pod vanished from the API (force-deleted): stop at once and clean up. */
  forget() {
    this.gone = true;
    this.finished = false;
    this.kick();
  }

  /** Log files of a container for the stream server: current and previous instance. */
  logFile(container: string, previous: boolean): { path: string; running: boolean; stopped: Promise<void> } | undefined {
    const r = this.records.get(`app/${container}`) ?? this.records.get(`init/${container}`);
    if (!r?.current) return undefined;
    const n = previous ? r.restartCount - 1 : r.restartCount;
    if (n < 0) return undefined;
    const path = join(containerLogDir(this.d.dataDir, this.pod, r.spec.name, this.uid), `${n}.log`);
    const running = !previous && r.current.state === 'running';
    const stopped = running ? this.d.runtime.waitExit(r.current.id).then(() => undefined) : Promise.resolve();
    return { path, running, stopped };
  }

  /** What the stats collector reads for this pod (agent/stats): running containers, volumes, whether it has its own network. */
  statsTarget(): StatsPodTarget | undefined {
    if (!this.sandbox || this.finished || this.gone) return undefined;
    const containers: StatsContainerTarget[] = [];
    for (const r of this.records.values()) {
      const cur = r.current;
      if (cur?.state !== 'running') continue;
      containers.push({ name: r.spec.name, id: cur.id, image: r.spec.image, startedAt: cur.startedAt, pid: cur.pid, logDir: containerLogDir(this.d.dataDir, this.pod, r.spec.name, this.uid), writableLayer: this.d.runtime.writableLayer?.(cur.id) });
    }
    const volumes: StatsVolumeTarget[] = [];
    for (const v of this.pod.spec.volumes ?? []) {
      const prepared = this.volumes?.get(v.name);
      // hostPath volumes are the host's files, not the pod's use (the kubelet reports none either).
      if (!prepared || v.hostPath) continue;
      volumes.push({ name: v.name, path: prepared.path, pvcName: v.persistentVolumeClaim?.claimName });
    }
    const m = this.pod.metadata;
    return { uid: this.uid, namespace: m.namespace ?? 'default', name: m.name, startTime: this.startTime, hostNetwork: !!this.sandbox.hostNetwork, containers, volumes };
  }

  containerRecord(name: string): ContainerRecord | undefined {
    return this.records.get(`app/${name}`) ?? this.records.get(`init/${name}`);
  }

  get ip() {
    return this.podIP;
  }

  /** Where a volume of this pod is on the node, once prepared (for volume stats and size checks). */
  volumePath(name: string): string | undefined {
    return this.volumes?.get(name)?.path;
  }

  get netnsPath() {
    return this.sandbox?.netnsPath;
  }
}

/** Keep the current and the previous instance's logs of a container, drop older ones. */
async function pruneLogs(dir: string, current: number) {
  for (const f of await readdir(dir).catch(() => [] as string[])) {
    const n = Number.parseInt(f, 10);
    if (Number.isFinite(n) && n < current - 1) await rm(join(dir, f), { force: true });
  }
}
