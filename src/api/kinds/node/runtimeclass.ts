// node.k8s.io/v1 RuntimeClass: a container runtime configuration (handler) pods may ask for with
// spec.runtimeClassName, with the overhead its pods carry and the nodes that have it. The
// RuntimeClass admission plugin (src/apiserver/admission/runtime-class.ts) applies a class to new
// pods; node agents refuse pods whose handler they do not have.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { parseQuantity } from '../../quantity.js';
import { mapOf, quantity, str, stringMap, struct } from '../../schema.js';
import { dns1123Label } from '../../names.js';
import { toleration } from '../workloads/affinity.js';
import { checkLabels, isObj } from '../workloads/checks.js';
import { validateTolerations } from '../workloads/scheduling-validation.js';
import { listOf } from '../../schema.js';

export type RuntimeClass = KObject & { handler?: string; overhead?: { podFixed?: Record<string, string | number> }; scheduling?: { nodeSelector?: Record<string, string>; tolerations?: unknown[] } };

function validateOverhead(overhead: unknown): FieldError[] {
  if (!isObj(overhead) || !isObj(overhead.podFixed)) return [];
  const errs: FieldError[] = [];
  // Kubernetes validates podFixed as the limits of a ResourceRequirements at "overhead".
  for (const [k, q] of Object.entries(overhead.podFixed)) {
    try {
      if ((typeof q === 'string' || typeof q === 'number') && parseQuantity(q) < 0) errs.push(fieldErr.invalid(`overhead.limits[${k}]`, q, 'must be greater than or equal to 0'));
    } catch {
      // a malformed quantity is the schema's error
    }
  }
  return errs;
}

export function validateRuntimeClass(o: KObject, old?: KObject): FieldError[] {
  const rc = o as RuntimeClass;
  const handler = typeof rc.handler === 'string' ? rc.handler : '';
  const errs = dns1123Label(handler).map((m) => fieldErr.invalid('handler', handler, m));
  errs.push(...validateOverhead(rc.overhead));
  if (isObj(rc.scheduling)) {
    errs.push(...checkLabels('scheduling.nodeSelector', rc.scheduling.nodeSelector));
    errs.push(...validateTolerations(rc.scheduling.tolerations, 'scheduling.tolerations'));
  }
  if (old && (old as RuntimeClass).handler !== rc.handler) errs.push(fieldErr.invalid('handler', rc.handler ?? '', 'field is immutable'));
  return errs;
}

export const runtimeClass: KindDef = {
  group: 'node.k8s.io',
  version: 'v1',
  kind: 'RuntimeClass',
  plural: 'runtimeclasses',
  singular: 'runtimeclass',
  namespaced: false,
  schema: {
    ...kindSchema('io.k8s.api.node.v1.RuntimeClass', 'A container runtime configuration pods can ask for by name (spec.runtimeClassName). Cluster-scoped.', {
      handler: str('The runtime configuration on the node that runs these pods (a DNS label, e.g. "runc"). Immutable.'),
      overhead: struct('io.k8s.api.node.v1.Overhead', 'Resources the runtime itself uses for each pod.', {
        podFixed: mapOf(quantity(), 'Fixed resources per pod, added to its requests for scheduling and quota.'),
      }),
      scheduling: struct('io.k8s.api.node.v1.Scheduling', 'Which nodes have this runtime: merged into the pods that use it.', {
        nodeSelector: stringMap('Labels nodes with this runtime have; merged into the nodeSelector of the pod.'),
        tolerations: listOf(toleration, 'Tolerations appended to those of the pod.'),
      }),
    }),
    documentedRequired: ['handler'],
  },
  printerColumns: [{ name: 'Handler', type: 'string', description: 'The runtime configuration on the node.', cell: (o) => (o as RuntimeClass).handler ?? '' }],
  validate: validateRuntimeClass,
};
