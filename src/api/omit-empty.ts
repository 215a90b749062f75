// Go's omitempty for integer fields: a plain (non-pointer) int32/int64 field tagged omitempty is
// never written as 0 by Kubernetes, so a client that sends `nodePort: 0` (or a controller that
// writes `readyReplicas: 0`) reads the field back absent, and defaulting then treats it as unset
// (a probe's `periodSeconds: 0` becomes 10). Pointer fields (replicas, partition, priority...)
// and plain fields without omitempty (port, containerPort, restartCount...) keep their 0.
// Fields are named by their definition: `${definition name}.${field}`, as in k8s.io/api's types.
// Status counters (readyReplicas, active...) are omitempty in Go too but are not listed: gifee's
// controllers and the agent compare the status they compute, zeros included, with the stored one
// to skip no-op writes; dropping zeros there needs omitempty-aware comparisons first.

import { resolve, type Schema } from './schema.js';

const apps = 'io.k8s.api.apps.v1';
const core = 'io.k8s.api.core.v1';
export const OMIT_ZERO_INTS = new Set<string>([
  `${apps}.DaemonSetSpec.minReadySeconds`,
  `${apps}.DeploymentSpec.minReadySeconds`,
  `${apps}.ReplicaSetSpec.minReadySeconds`,
  `${apps}.StatefulSetSpec.minReadySeconds`,
  `${core}.ContainerPort.hostPort`,
  `${core}.Event.count`,
  `${core}.EventSeries.count`,
  `${core}.Probe.initialDelaySeconds`,
  `${core}.Probe.timeoutSeconds`,
  `${core}.Probe.periodSeconds`,
  `${core}.Probe.successThreshold`,
  `${core}.Probe.failureThreshold`,
  `${core}.ServicePort.nodePort`,
  `${core}.ServiceSpec.healthCheckNodePort`,
  'io.k8s.api.events.v1.Event.deprecatedCount',
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta.generation',
]);

/** Deletes the zero values of OMIT_ZERO_INTS fields throughout v (by its schema), in place. */
export function dropOmittedZeros(schema: Schema, v: unknown, owner = ''): void {
  if (v === null || typeof v !== 'object') return;
  if (schema.type === 'object' && !Array.isArray(v)) {
    const name = schema.name ?? owner;
    const o = v as Record<string, unknown>;
    for (const [k, f] of Object.entries(schema.properties)) {
      const x = o[k];
      if (x === undefined || x === null) continue;
      if (x === 0 && OMIT_ZERO_INTS.has(`${name}.${k}`)) {
        delete o[k];
        continue;
      }
      if (typeof x === 'object') dropOmittedZeros(resolve(f), x, name);
    }
  } else if (schema.type === 'array' && Array.isArray(v)) {
    const item = resolve(schema.items);
    for (const x of v) dropOmittedZeros(item, x, owner);
  } else if (schema.type === 'map' && !Array.isArray(v)) {
    const vs = resolve(schema.values);
    for (const x of Object.values(v as Record<string, unknown>)) dropOmittedZeros(vs, x, owner);
  }
}
