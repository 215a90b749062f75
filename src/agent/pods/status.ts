// A pod's status as the kubelet reports it, computed from what the worker observed: container
// states with reasons (ContainerCreating, CrashLoopBackOff, Completed, Error, OOMKilled...), the
// phase, and the conditions kubectl and controllers read (Initialized, ContainersReady, Ready...).
// Sidecars (init containers with restartPolicy Always) count as initialized once started, their
// readiness counts towards the pod's, and the phase is decided by the app containers alone (held
// at Running while a sidecar still runs: the pod is not over until its sidecars stopped).

import { isSidecar } from '../../api/sidecars.js';
import type { ImageInfo } from '../images/types.js';
import type { ProbeLoop } from '../probes/probe-loop.js';
import type { ContainerInfo } from '../runtime/types.js';
import { nowTime, type Container, type ContainerState, type ContainerStatus, type Pod, type PodCondition, type PodStatus } from './types.js';

export interface ContainerRecord {
  spec: Container;
  init: boolean;
  /** The latest instance in the runtime. */
  current?: ContainerInfo;
  restartCount: number;
  backoffMs: number;
  backoffUntil: number;
  imageBackoffMs?: number;
  waiting?: { reason: string; message?: string };
  ready: boolean;
  started: boolean;
  probes: ProbeLoop[];
  /** A liveness or startup probe of the current instance failed; the next sync restarts it (plan.ts). */
  probeFailure?: 'liveness' | 'startup';
  /** The current instance is being stopped for good (a sidecar of a finished pod): its exit is no crash. */
  stopping?: boolean;
  image?: ImageInfo;
  termMessagePath?: string;
  /** How the instance before the current one ended (lastState). */
  previous?: ContainerState['terminated'];
}

export interface StatusInput {
  records: ContainerRecord[];
  podIP: string;
  hostIP: string;
  startTime: string;
  sandboxReady: boolean;
  sandboxError?: { reason: string; message: string };
  qos: string;
  deadlineExceeded: boolean;
  /** The node's eviction manager failed the pod, or refused it at admission (rejected), with the kubelet's message. */
  evicted?: { message: string; rejected?: boolean };
  /** The node refused the pod (the kubelet's admission, e.g. SysctlForbidden): it failed without running. */
  rejected?: { reason: string; message: string };
}

const secs = (iso?: string) => (iso ? iso.replace(/\.\d+Z$/, 'Z') : nowTime());

export function terminatedOf(info: ContainerInfo): NonNullable<ContainerState['terminated']> {
  const code = info.exitCode ?? 0;
  const reason = info.oomKilled ? 'OOMKilled' : info.startError ? 'StartError' : code === 0 ? 'Completed' : 'Error';
  return {
    exitCode: code,
    ...(code > 128 && code < 160 ? { signal: code - 128 } : {}),
    reason,
    ...(info.startError ? { message: info.startError } : {}),
    startedAt: secs(info.startedAt),
    finishedAt: secs(info.finishedAt),
    containerID: `runc://${info.id}`,
  };
}

function imageID(r: ContainerRecord): string {
  const img = r.image;
  if (!img) return '';
  if (img.digest) return `${(img.references[0] ?? r.spec.image).replace(/[:@][^/]*$/, '')}@${img.digest}`;
  return img.id;
}

export function containerStatus(r: ContainerRecord, sandboxError?: { reason: string; message: string }): ContainerStatus {
  const cur = r.current;
  let state: ContainerState;
  let lastState: ContainerState = {};
  if (cur?.state === 'running') state = { running: { startedAt: secs(cur.startedAt) } };
  else if (cur?.state === 'exited') {
    const term = terminatedOf(cur);
    if (r.waiting) {
      state = { waiting: r.waiting };
      lastState = { terminated: term };
    } else state = { terminated: term };
  } else state = { waiting: r.waiting ?? (sandboxError ? { reason: 'ContainerCreating' } : r.init ? { reason: 'PodInitializing' } : { reason: 'ContainerCreating' }) };
  // After a restart, the previous instance is the last state.
  if (cur && cur.state === 'running' && r.previous) lastState = { terminated: r.previous };
  return {
    name: r.spec.name,
    state,
    lastState,
    ready: cur?.state === 'running' && r.ready,
    started: cur?.state === 'running' && r.started,
    restartCount: r.restartCount,
    image: r.spec.image,
    imageID: imageID(r),
    ...(cur ? { containerID: `runc://${cur.id}` } : {}),
  };
}

function condition(prev: PodCondition[] | undefined, type: string, status: 'True' | 'False', reason?: string, message?: string): PodCondition {
  const old = prev?.find((c) => c.type === type);
  return {
    type,
    status,
    lastProbeTime: null,
    lastTransitionTime: old && old.status === status ? old.lastTransitionTime : nowTime(),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

export function computeStatus(pod: Pod, s: StatusInput): PodStatus {
  const policy = pod.spec.restartPolicy ?? 'Always';
  const inits = s.records.filter((r) => r.init);
  const apps = s.records.filter((r) => !r.init);
  const initStatuses = (pod.spec.initContainers ?? []).map((c) => {
    const r = inits.find((x) => x.spec.name === c.name);
    return r ? containerStatus(r, s.sandboxError) : { name: c.name, state: { waiting: { reason: 'PodInitializing' } }, lastState: {}, ready: false, restartCount: 0, image: c.image, imageID: '' };
  });
  const appStatuses = pod.spec.containers.map((c) => {
    const r = apps.find((x) => x.spec.name === c.name);
    return r ? containerStatus(r, s.sandboxError) : { name: c.name, state: { waiting: { reason: pod.spec.initContainers?.length ? 'PodInitializing' : 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0, image: c.image, imageID: '', started: false };
  });
  const sidecar = (pod.spec.initContainers ?? []).map(isSidecar);
  // Initialization went past every init container once an app container has run.
  const appsBegun = appStatuses.some((c) => c.state.running || c.state.terminated || c.lastState.terminated);
  const initComplete = (c: ContainerStatus, i: number) => (sidecar[i] ? appsBegun || (!!c.state.running && !!c.started) : c.state.terminated?.exitCode === 0);
  const initDone = initStatuses.every(initComplete);
  const initFailed = policy === 'Never' && initStatuses.some((c, i) => !sidecar[i] && c.state.terminated && c.state.terminated.exitCode !== 0);
  const sidecarRunning = initStatuses.some((c, i) => sidecar[i] && c.state.running);

  let phase: PodStatus['phase'];
  if (s.deadlineExceeded || s.evicted || s.rejected) phase = 'Failed';
  else if (initFailed) phase = 'Failed';
  else if (!initDone) phase = 'Pending';
  else {
    const neverStarted = appStatuses.some((c) => !c.state.running && !c.state.terminated && !c.lastState.terminated);
    const running = appStatuses.filter((c) => c.state.running).length;
    const restarting = appStatuses.filter((c) => c.state.waiting && c.lastState.terminated).length;
    const terminated = appStatuses.filter((c) => c.state.terminated);
    if (neverStarted) phase = 'Pending';
    else if (running > 0 || restarting > 0) phase = 'Running';
    else if (terminated.length === appStatuses.length) {
      const failed = terminated.some((c) => c.state.terminated!.exitCode !== 0);
      if (policy === 'Always') phase = 'Running';
      else if (failed && policy === 'OnFailure') phase = 'Running';
      else phase = failed ? 'Failed' : 'Succeeded';
    } else phase = 'Pending';
  }
  // The app containers are done but a sidecar is still being stopped: not over yet.
  if ((phase === 'Succeeded' || (phase === 'Failed' && !s.deadlineExceeded && !s.evicted && !s.rejected)) && sidecarRunning) phase = appsBegun ? 'Running' : 'Pending';

  const prev = pod.status?.conditions;
  // A sidecar's readiness counts towards the pod's, as an app container's does.
  const notReady = [...initStatuses.filter((c, i) => sidecar[i] && !c.ready), ...appStatuses.filter((c) => !c.ready)].map((c) => c.name);
  const incompleteInit = initStatuses.filter((c, i) => !initComplete(c, i)).map((c) => c.name);
  const done = phase === 'Succeeded' || phase === 'Failed';
  const containersReady = notReady.length === 0 ? condition(prev, 'ContainersReady', 'True') : condition(prev, 'ContainersReady', 'False', done ? 'PodCompleted' : 'ContainersNotReady', done ? undefined : `containers with unready status: [${notReady.join(' ')}]`);
  const ready = notReady.length === 0 && !done ? condition(prev, 'Ready', 'True') : condition(prev, 'Ready', 'False', done ? 'PodCompleted' : 'ContainersNotReady', done ? undefined : `containers with unready status: [${notReady.join(' ')}]`);
  const initialized = incompleteInit.length === 0 ? condition(prev, 'Initialized', 'True', done && initStatuses.length ? 'PodCompleted' : undefined) : condition(prev, 'Initialized', 'False', 'ContainersNotInitialized', `containers with incomplete status: [${incompleteInit.join(' ')}]`);
  const sandbox = condition(prev, 'PodReadyToStartContainers', s.sandboxReady && !done ? 'True' : 'False');
  // Conditions other components own (PodScheduled, readiness gates, DisruptionTarget) stay as they are.
  const ours = new Set(['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']);
  const others = (prev ?? []).filter((c) => !ours.has(c.type));
  if (!others.some((c) => c.type === 'PodScheduled')) others.push(condition(prev, 'PodScheduled', 'True'));
  // The kubelet marks the pods it evicts as disrupted by it, for Jobs' pod failure policies.
  if (s.evicted && !s.evicted.rejected && !others.some((c) => c.type === 'DisruptionTarget')) others.push(condition(prev, 'DisruptionTarget', 'True', 'TerminationByKubelet', s.evicted.message));

  return {
    phase,
    conditions: [sandbox, initialized, ready, containersReady, ...others],
    ...(s.deadlineExceeded ? { reason: 'DeadlineExceeded', message: `Pod was active on the node longer than the specified deadline` } : {}),
    ...(s.evicted ? { reason: 'Evicted', message: s.evicted.message } : {}),
    ...(s.rejected ? { reason: s.rejected.reason, message: s.rejected.message } : {}),
    hostIP: s.hostIP,
    hostIPs: [{ ip: s.hostIP }],
    ...(s.podIP ? { podIP: s.podIP, podIPs: [{ ip: s.podIP }] } : {}),
    startTime: s.startTime,
    qosClass: s.qos,
    ...(initStatuses.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: appStatuses,
  };
}
