// What a pod worker should do next, decided from a plain snapshot of what it knows: stop the pod
// (deleted, or gone from the API), fail it (evicted, past its activeDeadlineSeconds), restart a
// container whose liveness or startup probe failed, run init containers one at a time and in order,
// and start or restart containers per restartPolicy with the kubelet's crash back-off. Sidecars
// (init containers with restartPolicy Always) start in that order too, but the next one goes on once
// the sidecar has started; they are restarted whatever the pod's restartPolicy, and stopped (the last
// declared first) once the pod is done (its app containers finished for good). Pure: no I/O,
// no timers, no clock (now is given), so every rule here is table-tested (plan.test.ts); the worker
// (worker.ts) only snapshots, asks, and carries the actions out.

import { isSidecar } from '../../api/sidecars.js';
import type { RuntimeState } from '../runtime/types.js';
import type { Container, Pod } from './types.js';

/** What the worker knows of one container of the pod (its latest instance, back-off, probe verdict). */
export interface ContainerSnapshot {
  /** The latest instance's state; undefined: no instance yet. */
  state?: RuntimeState;
  exitCode?: number;
  /** The back-off the next restart after a crash waits (0 until the container was restarted once). */
  backoffMs: number;
  /** No start before this (epoch ms): a crash back-off or an image pull back-off. */
  backoffUntil: number;
  /** A liveness or startup probe of the running instance failed and it has not been killed for it yet. */
  probeFailure?: 'liveness' | 'startup';
  /** The running instance has started: its startup probe passed, or it has none. */
  started?: boolean;
  /** A stop was asked of the running instance (a sidecar of a finished pod): not asked again. */
  stopping?: boolean;
}

export interface PodState {
  /** The pod vanished from the API (force-deleted): stop at once, nothing to finalize. */
  gone: boolean;
  /** Set by the eviction manager (or refused at admission); done once what it held is handed back. */
  evicted?: { done: boolean };
  /** A status was published by this worker (a finished pod's phase is then final). */
  published: boolean;
  /** When the pod started on this node (epoch ms); undefined before its first sync. */
  startTime?: number;
  /** activeDeadlineSeconds already failed the pod. */
  deadlineExceeded: boolean;
  /** By container name; a container not here has no instance yet. */
  initContainers: Record<string, ContainerSnapshot>;
  containers: Record<string, ContainerSnapshot>;
}

export interface BackoffPolicy {
  /** The first restart back-off (the kubelet's 10 s). */
  initialMs: number;
  /** Doubled per crash up to this (the kubelet's 5 min). */
  maxMs: number;
}

export const MAX_BACKOFF_MS = 300_000;
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 10_000, maxMs: MAX_BACKOFF_MS };

export interface ContainerRef {
  name: string;
  init: boolean;
}

export type PodAction =
  /** Stop every container (preStop, SIGTERM, SIGKILL after the grace period), clean up, and (finalize) delete the pod object. */
  | { type: 'terminate'; graceSeconds: number; finalize: boolean }
  /** Carry out an eviction: kill what runs, publish Failed/Evicted, hand back what the pod held. */
  | { type: 'evict' }
  /** Restart a running container whose probe failed: stop it with the probe's (or the pod's) grace period. */
  | { type: 'kill'; container: ContainerRef; probe: 'liveness' | 'startup'; graceSeconds: number }
  /** Admission, sandbox, network, /etc files and volumes; the worker goes no further this sync when they cannot be made. */
  | { type: 'setUp' }
  /** Start a container (a new instance); nextBackoffMs: it ran before, so this is a restart and the next one backs off this long. */
  | { type: 'start'; container: ContainerRef; nextBackoffMs?: number }
  /** Not yet: the container is in back-off; crashLoop when its last instance exited (CrashLoopBackOff). Sync again at retryAt (epoch ms). */
  | { type: 'backOff'; container: ContainerRef; backoffMs: number; crashLoop: boolean; retryAt: number }
  /** Sync again at (epoch ms): the pod's active deadline comes then. */
  | { type: 'wake'; at: number }
  /** The pod was active longer than activeDeadlineSeconds: fail it and stop what runs. */
  | { type: 'failDeadline'; graceSeconds: number }
  /** Stop a sidecar of a pod that is done (preStop, SIGTERM, SIGKILL after graceSeconds); it is not restarted. */
  | { type: 'stop'; container: ContainerRef; graceSeconds: number };

/** The pod's grace period: the deletion's, else the spec's, else the kubelet's 30 s. */
export function gracePeriodSeconds(pod: Pod): number {
  return pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
}

const restartPolicy = (pod: Pod) => pod.spec.restartPolicy ?? 'Always';
const NO_INSTANCE: ContainerSnapshot = { backoffMs: 0, backoffUntil: 0 };
/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The actions of one sync, to be carried out in order: a leaving pod's single terminate or evict;
 * else probe-failure kills, the set-up (a gate: nothing after it when it fails), the starts and
 * back-offs of containers in spec order, and last the active deadline's wake-up or failure.
 */
export function computePodActions(pod: Pod, state: PodState, now: number, backoff: BackoffPolicy = DEFAULT_BACKOFF): PodAction[] {
  if (pod.metadata.deletionTimestamp || state.gone) return [{ type: 'terminate', graceSeconds: state.gone ? 0 : gracePeriodSeconds(pod), finalize: !state.gone }];
  if (state.evicted) return state.evicted.done ? [] : [{ type: 'evict' }];
  const phase = pod.status?.phase;
  // A finished pod stays finished once this worker has said so: nothing runs again.
  if ((phase === 'Succeeded' || phase === 'Failed') && state.published) return [];

  const actions: PodAction[] = [];
  const snapshot = (c: Container, init: boolean) => (init ? state.initContainers : state.containers)[c.name] ?? NO_INSTANCE;
  // Probe failures first: a restart the probe asked for must not wait on the set-up.
  for (const [list, init] of [
    [pod.spec.initContainers ?? [], true],
    [pod.spec.containers, false],
  ] as const) {
    for (const c of list) {
      const s = snapshot(c, init);
      if (s.state !== 'running' || !s.probeFailure) continue;
      const probe = s.probeFailure === 'liveness' ? c.livenessProbe : c.startupProbe;
      actions.push({ type: 'kill', container: { name: c.name, init }, probe: s.probeFailure, graceSeconds: probe?.terminationGracePeriodSeconds ?? gracePeriodSeconds(pod) });
    }
  }
  actions.push({ type: 'setUp' });

  const startOrWait = (c: Container, init: boolean) => actions.push(startOrBackOff(c.name, init, snapshot(c, init), now, backoff));
  const restart = restartPolicy(pod);
  const inits = pod.spec.initContainers ?? [];
  const done = podDone(pod, state);
  // Whether a container declared after init container i has an instance: initialization went past i.
  const begunAfter: boolean[] = [];
  let begun = pod.spec.containers.some((c) => snapshot(c, false).state !== undefined);
  for (let i = inits.length - 1; i >= 0; i--) {
    begunAfter[i] = begun;
    begun ||= snapshot(inits[i], true).state !== undefined;
  }
  // Init containers: one at a time and in order; each must exit 0 before the next starts, but a
  // sidecar only has to have started (its startup probe passed).
  let initDone = true;
  for (const [i, c] of inits.entries()) {
    const s = snapshot(c, true);
    if (isSidecar(c)) {
      // A done pod's sidecars are stopped below and never started again.
      if (done) continue;
      const up = s.state === 'running' || s.state === 'created';
      // Restarted (with back-off) whatever the pod's restartPolicy.
      if (!up) startOrWait(c, true);
      // Once initialization went past it, a restarting sidecar holds nothing back.
      if (begunAfter[i] || (s.state === 'running' && s.started)) continue;
      initDone = false;
      break;
    }
    if (s.state === 'exited' && s.exitCode === 0) continue;
    initDone = false;
    if (s.state === 'running' || s.state === 'created') break;
    // A failed init container under Never fails the pod (status.ts): nothing more is started.
    if (s.state === 'exited' && restart === 'Never') break;
    startOrWait(c, true);
    break;
  }
  if (initDone) {
    for (const c of pod.spec.containers) {
      const s = snapshot(c, false);
      if (s.state === 'running' || s.state === 'created') continue;
      if (s.state === 'exited' && !(restart === 'Always' || (restart === 'OnFailure' && s.exitCode !== 0))) continue;
      startOrWait(c, false);
    }
  }
  // A done pod's sidecars stop one at a time, the last declared first (as the kubelet's), each once
  // those after it have exited.
  if (done) {
    const last = [...inits].reverse().find((c) => isSidecar(c) && ['running', 'created'].includes(snapshot(c, true).state ?? ''));
    if (last && !snapshot(last, true).stopping) actions.push({ type: 'stop', container: { name: last.name, init: true }, graceSeconds: gracePeriodSeconds(pod) });
  }

  const deadline = activeDeadline(pod, state, now);
  if (deadline) actions.push(deadline);
  return actions;
}

/**
 * Whether the pod is done, so its sidecars must stop: under restartPolicy Never or OnFailure, every
 * app container exited for good (Never: at all; OnFailure: with 0), or a plain init container
 * failed under Never (the pod fails). Under Always a pod is never done.
 */
export function podDone(pod: Pod, state: PodState): boolean {
  const restart = restartPolicy(pod);
  if (restart === 'Always') return false;
  const initFailed =
    restart === 'Never' &&
    (pod.spec.initContainers ?? []).some((c) => {
      const s = state.initContainers[c.name];
      return !isSidecar(c) && s?.state === 'exited' && s.exitCode !== 0;
    });
  if (initFailed) return true;
  return pod.spec.containers.every((c) => {
    const s = state.containers[c.name];
    return s?.state === 'exited' && (restart === 'Never' || s.exitCode === 0);
  });
}

/** Start now, or wait out the back-off. The kubelet restarts a container at once after its first exit, then backs off 10 s, 20 s, ... 5 min. */
function startOrBackOff(name: string, init: boolean, s: ContainerSnapshot, now: number, backoff: BackoffPolicy): PodAction {
  const container = { name, init };
  if (s.backoffUntil > now) return { type: 'backOff', container, backoffMs: s.backoffMs, crashLoop: s.state === 'exited', retryAt: s.backoffUntil + 10 };
  if (!s.state) return { type: 'start', container };
  return { type: 'start', container, nextBackoffMs: s.backoffMs ? Math.min(s.backoffMs * 2, backoff.maxMs) : backoff.initialMs };
}

/** activeDeadlineSeconds: a wake-up when it comes, then (once) the pod's failure. */
function activeDeadline(pod: Pod, state: PodState, now: number): PodAction | undefined {
  const ads = pod.spec.activeDeadlineSeconds;
  if (ads === undefined) return undefined;
  // Not stamped yet (the worker stamps it before its first plan): it starts now.
  const left = (state.startTime ?? now) + ads * 1000 - now;
  if (left > 0) return { type: 'wake', at: now + Math.min(left + 50, MAX_TIMER_MS) };
  if (state.deadlineExceeded) return undefined;
  return { type: 'failDeadline', graceSeconds: gracePeriodSeconds(pod) };
}

/**
 * When a container's instance exits: until when its restart backs off, and whether that is a
 * crash to report (BackOff event). Only once it was restarted before (backoffMs set): the first
 * restart is immediate. A crash under Never, or an exit while the pod is stopping, sets none. A
 * sidecar's exit counts as under Always.
 * As the kubelet's back-off, an entry not extended for twice the longest back-off expires: a
 * container that ran that long (10 minutes) restarts at once and its back-off starts over
 * (resetBackoff: the worker forgets its back-off, so the next start sets the initial one).
 */
export function exitBackoff(pod: Pod, exit: { exitCode?: number; backoffMs: number; startedAt?: number; sidecar?: boolean }, stopping: boolean, now: number, maxMs = MAX_BACKOFF_MS): { backoffUntil?: number; crash: boolean; resetBackoff?: true } {
  if (exit.startedAt !== undefined && now - exit.startedAt >= 2 * maxMs) return { crash: false, resetBackoff: true };
  // A sidecar is restarted as under Always, whatever the pod's restartPolicy.
  const restart = exit.sidecar ? 'Always' : restartPolicy(pod);
  if (exit.exitCode !== 0 && !stopping) {
    if (restart !== 'Never' && exit.backoffMs) return { backoffUntil: now + exit.backoffMs, crash: true };
    return { crash: false };
  }
  if (restart === 'Always' && exit.backoffMs) return { backoffUntil: now + exit.backoffMs, crash: false };
  return { crash: false };
}
