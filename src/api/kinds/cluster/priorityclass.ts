// scheduling.k8s.io/v1 PriorityClass: a name for a pod priority. Pods name one in
// spec.priorityClassName and get its value as spec.priority on create (see
// src/apiserver/pod-priority.ts); the scheduler orders and preempts by it.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { bool, enumOf, int32, str } from '../../schema.js';

/** User classes stay at or below this; the system-* classes sit above it. */
export const HIGHEST_USER_PRIORITY = 1_000_000_000;

/** The classes every cluster has, as in Kubernetes. */
export const SYSTEM_PRIORITY_CLASSES = [
  { name: 'system-node-critical', value: 2_000_001_000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: 2_000_000_000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];

type PC = KObject & { value?: number; globalDefault?: boolean; preemptionPolicy?: string };

export const priorityClass: KindDef = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  plural: 'priorityclasses',
  singular: 'priorityclass',
  namespaced: false,
  shortNames: ['pc'],
  schema: kindSchema(
    'io.k8s.api.scheduling.v1.PriorityClass',
    'A mapping from a priority class name to the integer priority of pods that name it.',
    {
      value: int32('The priority of pods of this class (higher schedules first and may preempt lower).'),
      globalDefault: bool('Whether pods without a priorityClassName get this class. At most one class may be the global default.'),
      description: str('When to use this class.'),
      preemptionPolicy: enumOf(['PreemptLowerPriority', 'Never'], 'Whether pods of this class may preempt lower-priority pods (default PreemptLowerPriority).'),
    },
    { required: ['value'] },
  ),
  printerColumns: [
    { name: 'Value', type: 'integer', description: 'The priority.', cell: (o) => String((o as PC).value ?? '') },
    { name: 'Global-Default', type: 'boolean', description: 'Whether pods without a class get this one.', cell: (o) => String(!!(o as PC).globalDefault) },
    { name: 'Preemption-Policy', type: 'string', priority: 1, description: 'Whether its pods may preempt.', cell: (o) => (o as PC).preemptionPolicy ?? 'PreemptLowerPriority' },
  ],
  default: (o) => {
    const pc = o as PC;
    pc.preemptionPolicy ??= 'PreemptLowerPriority';
  },
  validate: (o, old) => {
    const pc = o as PC;
    const errs: FieldError[] = [];
    const name = pc.metadata?.name ?? '';
    const system = SYSTEM_PRIORITY_CLASSES.find((s) => s.name === name);
    if (name.startsWith('system-') && !system) errs.push(fieldErr.invalid('metadata.name', name, "priority class names with 'system-' prefix are reserved"));
    if (system && pc.value !== system.value) errs.push(fieldErr.invalid('value', pc.value, `value of ${name} must be ${system.value}`));
    if (!system && typeof pc.value === 'number' && pc.value > HIGHEST_USER_PRIORITY) errs.push(fieldErr.invalid('value', pc.value, `maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`));
    if (old && (old as PC).value !== pc.value) errs.push(fieldErr.forbidden('value', 'may not be changed in an update.'));
    if (old && (old as PC).preemptionPolicy !== pc.preemptionPolicy) errs.push(fieldErr.invalid('preemptionPolicy', pc.preemptionPolicy, 'field is immutable'));
    return errs;
  },
};
