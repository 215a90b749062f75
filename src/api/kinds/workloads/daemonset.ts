// apps/v1 DaemonSet: one pod per eligible node.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { labelSelectorToString } from '../../labels.js';
import { conditionsOf, kindSchema, labelSelector } from '../../meta.js';
import { int32, int64, intOrString, str, struct, time } from '../../schema.js';
import { type Obj, checkNotMoreThan100Percent, checkPositiveIntOrPercent, isObj, isSet, isZeroIntOrPercent } from './checks.js';
import { ageColumn, at, formatSelector, int, nameColumn, templateColumns } from './columns.js';
import { defaultPodTemplate } from './pod-defaults.js';
import { podTemplateSpec } from './pod-spec.js';
import { validateReplicatedSpec, validateSelectorImmutable } from './workload.js';
import { specOf, templateWarnings, dropDisabledTemplateFields } from './template-warnings.js';

const apps = (n: string) => `io.k8s.api.apps.v1.${n}`;

export const rollingUpdateDaemonSet = struct(apps('RollingUpdateDaemonSet'), 'How fast a DaemonSet rolling update may go.', {
  maxUnavailable: intOrString('Nodes (count or percentage) whose pod may be unavailable during the update (default 1).'),
  maxSurge: intOrString('Nodes (count or percentage) that may run an extra, updated pod during the update (default 0).'),
});

export const daemonSetUpdateStrategy = struct(apps('DaemonSetUpdateStrategy'), 'How pods are replaced when the template changes.', {
  type: str('RollingUpdate (default) or OnDelete.'),
  rollingUpdate: rollingUpdateDaemonSet,
});

export const daemonSetSpec = struct(
  apps('DaemonSetSpec'),
  'The desired state of a DaemonSet.',
  {
    selector: labelSelector,
    template: podTemplateSpec,
    updateStrategy: daemonSetUpdateStrategy,
    minReadySeconds: int32('Seconds a new pod must be ready, without crashing, to count as available.'),
    revisionHistoryLimit: int32('ControllerRevisions to keep (default 10).'),
  },
  { required: ['selector', 'template'] },
);

export const daemonSetCondition = struct(
  apps('DaemonSetCondition'),
  "One aspect of a DaemonSet's state.",
  {
    type: str('Condition type.'),
    status: str('True, False or Unknown.'),
    lastTransitionTime: time('Last time the status changed.'),
    reason: str('Machine-readable reason for the last transition.'),
    message: str('Human-readable details.'),
  },
  { required: ['type', 'status'] },
);

export const daemonSetStatus = struct(
  apps('DaemonSetStatus'),
  'The observed state of a DaemonSet.',
  {
    currentNumberScheduled: int32('Nodes running at least one daemon pod that should.'),
    numberMisscheduled: int32('Nodes running a daemon pod that should not.'),
    desiredNumberScheduled: int32('Nodes that should run the daemon pod.'),
    numberReady: int32('Nodes whose daemon pod is ready.'),
    observedGeneration: int64('Generation the controller last acted on.'),
    updatedNumberScheduled: int32('Nodes running the updated daemon pod.'),
    numberAvailable: int32('Nodes whose daemon pod has been ready for minReadySeconds.'),
    numberUnavailable: int32('Nodes that should run an available daemon pod and do not.'),
    collisionCount: int32('Counter used to avoid ControllerRevision name collisions.'),
    conditions: conditionsOf(daemonSetCondition, "Latest observations of the DaemonSet's state."),
  },
  { required: ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'] },
);

export const daemonSetSchema = kindSchema(apps('DaemonSet'), 'Runs a copy of a pod on every eligible node.', {
  spec: daemonSetSpec,
  status: daemonSetStatus,
});

function defaultDaemonSet(obj: KObject) {
  if (!isObj(obj.spec)) obj.spec = {};
  const spec = obj.spec as Obj;
  if (!isObj(spec.updateStrategy)) spec.updateStrategy = {};
  const us = spec.updateStrategy as Obj;
  if (!us.type) us.type = 'RollingUpdate';
  if (us.type === 'RollingUpdate') {
    if (!isObj(us.rollingUpdate)) us.rollingUpdate = {};
    const ru = us.rollingUpdate as Obj;
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  defaultPodTemplate(spec.template);
}

function validateDaemonSet(obj: KObject, old?: KObject): FieldError[] {
  const errs = validateReplicatedSpec(obj.spec, 'spec', { emptySelectorWord: 'daemonset', kindWord: 'DaemonSet' });
  const spec = isObj(obj.spec) ? obj.spec : {};
  const us = isObj(spec.updateStrategy) ? spec.updateStrategy : {};
  const p = 'spec.updateStrategy';
  if (us.type === 'RollingUpdate') {
    const ru = us.rollingUpdate;
    if (!isObj(ru)) errs.push(fieldErr.required(`${p}.rollingUpdate`));
    else {
      errs.push(...checkPositiveIntOrPercent(`${p}.rollingUpdate.maxUnavailable`, ru.maxUnavailable));
      errs.push(...checkPositiveIntOrPercent(`${p}.rollingUpdate.maxSurge`, ru.maxSurge));
      if (isZeroIntOrPercent(ru.maxUnavailable) && isZeroIntOrPercent(ru.maxSurge)) {
        errs.push(fieldErr.invalid(`${p}.rollingUpdate.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
      }
      errs.push(...checkNotMoreThan100Percent(`${p}.rollingUpdate.maxUnavailable`, ru.maxUnavailable));
      errs.push(...checkNotMoreThan100Percent(`${p}.rollingUpdate.maxSurge`, ru.maxSurge));
    }
  } else if (us.type !== 'OnDelete' && isSet(us.type)) {
    errs.push(fieldErr.notSupported(p, us.type, ['RollingUpdate', 'OnDelete']));
  }
  if (old) errs.push(...validateSelectorImmutable(obj.spec, old.spec));
  return errs;
}

/** Kubernetes' labels.FormatLabels: sorted k=v pairs, "<none>" when empty. */
function formatLabels(labels: unknown): string {
  return (isObj(labels) && labelSelectorToString({ matchLabels: labels as Record<string, string> })) || '<none>';
}

export const daemonSet: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  schema: daemonSetSchema,
  subresources: { status: true },
  hasGeneration: true,
  printerColumns: [
    nameColumn,
    { name: 'Desired', type: 'integer', description: 'Nodes that should run the daemon pod.', cell: (o) => int(at(o, 'status', 'desiredNumberScheduled')) },
    { name: 'Current', type: 'integer', description: 'Nodes running the daemon pod.', cell: (o) => int(at(o, 'status', 'currentNumberScheduled')) },
    { name: 'Ready', type: 'integer', description: 'Nodes whose daemon pod is ready.', cell: (o) => int(at(o, 'status', 'numberReady')) },
    { name: 'Up-to-date', type: 'integer', description: 'Nodes running the updated daemon pod.', cell: (o) => int(at(o, 'status', 'updatedNumberScheduled')) },
    { name: 'Available', type: 'integer', description: 'Nodes whose daemon pod is available.', cell: (o) => int(at(o, 'status', 'numberAvailable')) },
    { name: 'Node Selector', type: 'string', description: 'Node labels the template requires.', cell: (o) => formatLabels(at(o, 'spec', 'template', 'spec', 'nodeSelector')) },
    ageColumn,
    ...templateColumns(['spec', 'template'], (o) => formatSelector(at(o, 'spec', 'selector'))),
  ],
  default: defaultDaemonSet,
  // Fields behind feature gates 1.32 has off are dropped from the template, as from pods.
  prepareCreate: (o) => dropDisabledTemplateFields(specOf(o).template),
  prepareUpdate: (o, old) => dropDisabledTemplateFields(specOf(o).template, specOf(old).template),
  warnings: (o, old) => templateWarnings(specOf(o).template, 'spec.template', old ? specOf(old).template : undefined),
  validate: validateDaemonSet,
};
