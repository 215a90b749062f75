// The status a kubelet would report for a pod whose containers run (or ran to completion) on a
// simulated node: phase, conditions, pod and host IPs, and per-container states. Sidecars (init
// containers with restartPolicy Always) run beside the app containers, and stop once they finished.

import type { Container as CoreContainer, Pod } from '../api/core/index.js';
import { isSidecar } from '../api/sidecars.js';
import { rfc3339 } from '../util/time.js';

type Container = Pick<CoreContainer, 'name' | 'image' | 'restartPolicy'>;

export type SimPod = Pod;

export const EXIT_AFTER = 'sim.gifee.dev/exit-after';
export const EXIT_CODE = 'sim.gifee.dev/exit-code';

const condition = (type: string, status: 'True' | 'False', at: string, reason?: string) => ({ type, status, lastProbeTime: null, lastTransitionTime: at, ...(reason ? { reason } : {}) });

const containerID = (pod: SimPod, c: Container) => `sim://${pod.metadata?.uid}-${c.name}`;

const imageOf = (c: Container) => ({ image: c.image ?? '', imageID: `sim://${c.image ?? ''}` });

export interface Placement {
  podIP: string;
  hostIP: string;
  startedAt: number;
}

interface SimState {
  running?: { startedAt: string };
  terminated?: { exitCode: number; reason: string; startedAt: string; finishedAt: string; containerID: string };
}

/** finishedAt: the app containers have exited then (ms), and the sidecars were stopped with them. */
function base(pod: SimPod, p: Placement, finishedAt?: number) {
  const started = rfc3339(p.startedAt);
  const done = finishedAt === undefined ? undefined : rfc3339(finishedAt);
  const completed = (c: Container, at: string): SimState => ({ terminated: { exitCode: 0, reason: 'Completed', startedAt: started, finishedAt: at, containerID: containerID(pod, c) } });
  return {
    hostIP: p.hostIP,
    hostIPs: [{ ip: p.hostIP }],
    podIP: p.podIP,
    podIPs: [{ ip: p.podIP }],
    startTime: started,
    initContainerStatuses: (pod.spec?.initContainers ?? []).map((c) => {
      const running = isSidecar(c) && done === undefined;
      return {
        name: c.name,
        ...imageOf(c),
        containerID: containerID(pod, c),
        ready: running || !isSidecar(c),
        started: running,
        restartCount: 0,
        state: running ? ({ running: { startedAt: started } } as SimState) : completed(c, isSidecar(c) && done ? done : started),
      };
    }),
  };
}

export function runningStatus(pod: SimPod, p: Placement) {
  const at = rfc3339(p.startedAt);
  return {
    phase: 'Running',
    conditions: [condition('PodReadyToStartContainers', 'True', at), condition('Initialized', 'True', at), condition('Ready', 'True', at), condition('ContainersReady', 'True', at), condition('PodScheduled', 'True', at)],
    ...base(pod, p),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      ...imageOf(c),
      containerID: containerID(pod, c),
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: at } },
    })),
  };
}

export function terminatedStatus(pod: SimPod, p: Placement, exitCode: number, finishedAt: number) {
  const at = rfc3339(p.startedAt);
  const done = rfc3339(finishedAt);
  return {
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    conditions: [condition('PodReadyToStartContainers', 'False', done), condition('Initialized', 'True', at), condition('Ready', 'False', done, 'PodCompleted'), condition('ContainersReady', 'False', done, 'PodCompleted'), condition('PodScheduled', 'True', at)],
    ...base(pod, p, finishedAt),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
      name: c.name,
      ...imageOf(c),
      containerID: containerID(pod, c),
      ready: false,
      started: false,
      restartCount: 0,
      state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: at, finishedAt: done, containerID: containerID(pod, c) } },
    })),
  };
}

/** When (ms after start) and how the pod's containers exit, if it is annotated to and may complete. */
export function plannedExit(pod: SimPod): { afterMs: number; exitCode: number } | undefined {
  const after = pod.metadata?.annotations?.[EXIT_AFTER];
  if (!after || (pod.spec?.restartPolicy ?? 'Always') === 'Always') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(after.trim());
  if (!m) return undefined;
  const afterMs = Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000);
  const code = Number(pod.metadata?.annotations?.[EXIT_CODE] ?? '0');
  return { afterMs, exitCode: Number.isInteger(code) ? code : 1 };
}
