// apps/v1 ReplicaSet: keeps a number of identical pods running; usually owned by a Deployment.

import type { KindDef, KObject } from '../../kind.js';
import { conditionsOf, kindSchema, labelSelector } from '../../meta.js';
import { int32, int64, str, struct, time } from '../../schema.js';
import { type Obj, isObj } from './checks.js';
import { ageColumn, at, formatSelector, int, nameColumn, templateColumns } from './columns.js';
import { defaultPodTemplate } from './pod-defaults.js';
import { podTemplateSpec } from './pod-spec.js';
import { validateReplicatedSpec, validateSelectorImmutable } from './workload.js';
import { specOf, templateWarnings, dropDisabledTemplateFields } from './template-warnings.js';

const apps = (n: string) => `io.k8s.api.apps.v1.${n}`;

export const replicaSetSpec = struct(
  apps('ReplicaSetSpec'),
  'The desired state of a ReplicaSet.',
  {
    replicas: int32('Desired number of pods (default 1).'),
    minReadySeconds: int32('Seconds a new pod must be ready, without crashing, to count as available.'),
    selector: labelSelector,
    template: podTemplateSpec,
  },
  { required: ['selector'] },
);

export const replicaSetCondition = struct(
  apps('ReplicaSetCondition'),
  "One aspect of a ReplicaSet's state, e.g. ReplicaFailure.",
  {
    type: str('Condition type.'),
    status: str('True, False or Unknown.'),
    lastTransitionTime: time('Last time the status changed.'),
    reason: str('Machine-readable reason for the last transition.'),
    message: str('Human-readable details.'),
  },
  { required: ['type', 'status'] },
);

export const replicaSetStatus = struct(
  apps('ReplicaSetStatus'),
  'The observed state of a ReplicaSet.',
  {
    replicas: int32('Pods currently owned.'),
    fullyLabeledReplicas: int32("Pods whose labels match the template's."),
    readyReplicas: int32('Pods that are ready.'),
    availableReplicas: int32('Pods ready for at least minReadySeconds.'),
    observedGeneration: int64('Generation the controller last acted on.'),
    conditions: conditionsOf(replicaSetCondition, "Latest observations of the ReplicaSet's state."),
  },
  { required: ['replicas'] },
);

export const replicaSetSchema = kindSchema(apps('ReplicaSet'), 'Keeps a given number of pod replicas running.', {
  spec: replicaSetSpec,
  status: replicaSetStatus,
});

export const replicaSet: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  schema: replicaSetSchema,
  subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' } },
  hasGeneration: true,
  printerColumns: [
    nameColumn,
    { name: 'Desired', type: 'integer', description: 'Desired number of pods.', cell: (o) => int(at(o, 'spec', 'replicas')) },
    { name: 'Current', type: 'integer', description: 'Pods currently owned.', cell: (o) => int(at(o, 'status', 'replicas')) },
    { name: 'Ready', type: 'integer', description: 'Pods that are ready.', cell: (o) => int(at(o, 'status', 'readyReplicas')) },
    ageColumn,
    ...templateColumns(['spec', 'template'], (o) => formatSelector(at(o, 'spec', 'selector'))),
  ],
  fieldSelectors: {
    'status.replicas': (o) => String(int(at(o, 'status', 'replicas'))),
  },
  default: (obj: KObject) => {
    if (!isObj(obj.spec)) obj.spec = {};
    const spec = obj.spec as Obj;
    spec.replicas ??= 1;
    defaultPodTemplate(spec.template);
  },
  // Fields behind feature gates 1.32 has off are dropped from the template, as from pods.
  prepareCreate: (o) => dropDisabledTemplateFields(specOf(o).template),
  prepareUpdate: (o, old) => dropDisabledTemplateFields(specOf(o).template, specOf(old).template),
  warnings: (o, old) => templateWarnings(specOf(o).template, 'spec.template', old ? specOf(old).template : undefined),
  validate: (obj, old) => [...validateReplicatedSpec(obj.spec, 'spec', { emptySelectorWord: 'deployment', kindWord: 'ReplicaSet' }), ...(old ? validateSelectorImmutable(obj.spec, old.spec) : [])],
};
