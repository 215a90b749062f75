// What a pod worker (src/agent/pods/worker.ts) needs, built for unit tests: an API client that
// records the statuses the worker publishes and the pod's final deletion, an event recorder that
// keeps events, an image store holding one image, and volume sources with nothing in them. The
// runtime is the test's (usually FakeRuntime beside this file); a test adds or replaces any field.

import type { Logger } from '../../src/util/log.js';
import type { Pod, PodStatus } from '../../src/agent/pods/types.js';
import type { WorkerDeps } from '../../src/agent/pods/worker.js';

export const quietLog: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quietLog };

export interface WorkerDepsRecord {
  deps: WorkerDeps;
  /** Events the worker recorded, in order. */
  events: { reason: string; message: string }[];
  /** Every status the worker published, in order. */
  statuses: PodStatus[];
  /** Whether the worker deleted the pod from the API (its last step after a graceful stop). */
  deleted: () => boolean;
}

/** The image every container gets (no layers: FakeRuntime runs nothing). */
export const testImage = (references: string[] = []) => ({ id: 'sha256:x', references, size: 0, config: {}, layerDirs: [] });

export function podWorkerDeps(pod: Pod, runtime: unknown, dataDir: string, more: Record<string, unknown> = {}): WorkerDepsRecord {
  const events: WorkerDepsRecord['events'] = [];
  const statuses: PodStatus[] = [];
  let deleted = false;
  const image = testImage(['gifee.local/busybox:1']);
  const deps = {
    nodeName: 'n1',
    hostIP: '127.0.0.1',
    dataDir,
    runtime,
    network: { teardown: async () => undefined },
    images: { get: async () => image, ensure: async () => image },
    client: {
      patch: async (_r: unknown, _ns: string, _n: string, body: { status: PodStatus }) => {
        statuses.push(body.status);
        return { ...pod, status: body.status };
      },
      request: async () => {
        deleted = true;
        return {};
      },
    },
    recorder: { record: (_o: unknown, _t: string, reason: string, message: string) => events.push({ reason, message }) },
    log: quietLog,
    dns: { clusterDomain: 'cluster.local' },
    sources: { configMap: async () => undefined, secret: async () => undefined, serviceAccountToken: async () => ({ token: 't', expirationTimestamp: '' }) },
    runtimeClasses: async () => undefined,
    restartBackoffMs: 10_000,
    nodeCapacity: { cpu: 1, memory: 1 << 30 },
    ...more,
  } as unknown as WorkerDeps;
  return { deps, events, statuses, deleted: () => deleted };
}
