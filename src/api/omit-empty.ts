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
import { ConcernPlan } from './schema-concern.js';

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

/**
 * The properties the omitempty walk visits: listed integers, and those leading to one. An anonymous
 * object takes its name from the object around it, which a plan per schema cannot know: all its
 * integers are visited.
 */
const OMITTED = new ConcernPlan({ prop: (owner, key, s) => s.type === 'integer' && (!owner.name || OMIT_ZERO_INTS.has(`${owner.name}.${key}`)) });

/** Deletes the zero values of OMIT_ZERO_INTS fields throughout v (by its schema), in place. */
export function dropOmittedZeros(schema: Schema, v: unknown, owner = ''): void {
  if (v === null || typeof v !== 'object') return;
  if (schema.type === 'object' && !Array.isArray(v)) {
    const name = schema.name ?? owner;
    const o = v as Record<string, unknown>;
    for (const { key: k, schema: f } of OMITTED.propsOf(schema)) {
      const x = o[k];
      if (x === undefined || x === null) continue;
      if (x === 0 && OMIT_ZERO_INTS.has(`${name}.${k}`)) {
        delete o[k];
        continue;
      }
      if (typeof x === 'object') dropOmittedZeros(f, x, name);
    }
  } else if (schema.type === 'array' && Array.isArray(v)) {
    const item = resolve(schema.items);
    if (OMITTED.reaches(item)) for (const x of v) dropOmittedZeros(item, x, owner);
  } else if (schema.type === 'map' && !Array.isArray(v)) {
    const vs = resolve(schema.values);
    if (OMITTED.reaches(vs)) for (const x of Object.values(v as Record<string, unknown>)) dropOmittedZeros(vs, x, owner);
  }
}
