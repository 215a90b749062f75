// The kubelet's pod and container metrics, with its names, labels and buckets, on the agent's
// /metrics: kubelet_running_pods, kubelet_running_containers{container_state} (read from the
// runtime at scrape time) and kubelet_pod_start_duration_seconds (first seen to running).

import { metrics } from '../../util/metrics.js';
import type { ContainerInfo } from '../runtime/types.js';

/** The kubelet's buckets, half a second to an hour. */
const START_BUCKETS = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];
export const podStartDuration = metrics.histogram('kubelet_pod_start_duration_seconds', 'Seconds from the agent first seeing a pod to the pod running.', START_BUCKETS);

/** Container states as the runtime reports them (the kubelet's container_state values). */
const STATES = ['created', 'running', 'exited', 'unknown'] as const;

/** The runtimes of this process' agents (one in production; tests may start more). */
const runtimes = new Set<() => ContainerInfo[]>();

function containers(): ContainerInfo[] {
  const out: ContainerInfo[] = [];
  for (const list of runtimes) {
    try {
      out.push(...list());
    } catch {
      /* a runtime that cannot list now reports nothing this scrape */
    }
  }
  return out;
}

metrics.gauge(
  'kubelet_running_pods',
  'Pods with at least one running container.',
  () =>
    new Set(
      containers()
        .filter((c) => c.state === 'running')
        .map((c) => c.podUid),
    ).size,
);
metrics.gauge('kubelet_running_containers', 'Containers by state (created, running, exited, unknown).', () => {
  const counts = new Map<string, number>(STATES.map((s) => [s, 0]));
  for (const c of containers()) counts.set(c.state, (counts.get(c.state) ?? 0) + 1);
  return [...counts].map(([container_state, n]) => [{ container_state }, n]);
});

/** Report a runtime's containers; the returned function stops (at the agent's stop). */
export function reportContainers(list: () => ContainerInfo[]): () => void {
  runtimes.add(list);
  return () => runtimes.delete(list);
}
