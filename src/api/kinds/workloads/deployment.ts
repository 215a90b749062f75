// apps/v1 Deployment: declarative rollouts of a pod template through ReplicaSets.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { labelSelectorToString } from '../../labels.js';
import { conditionsOf, kindSchema, labelSelector } from '../../meta.js';
import { bool, enumOf, int32, int64, intOrString, str, struct, time } from '../../schema.js';
import { type Obj, checkNonNegative, checkNotMoreThan100Percent, checkPositiveIntOrPercent, isObj, isSet, isZeroIntOrPercent } from './checks.js';
import { ageColumn, at, int, nameColumn, templateColumns } from './columns.js';
import { defaultPodTemplate } from './pod-defaults.js';
import { podTemplateSpec } from './pod-spec.js';
import { validateReplicatedSpec, validateSelectorImmutable } from './workload.js';
import { specOf, templateWarnings, dropDisabledTemplateFields } from './template-warnings.js';

const apps = (n: string) => `io.k8s.api.apps.v1.${n}`;

export const rollingUpdateDeployment = struct(apps('RollingUpdateDeployment'), 'How fast a rolling update may go.', {
  maxUnavailable: intOrString('Pods (count or percentage of desired) that may be unavailable during the update; default 25%.'),
  maxSurge: intOrString('Pods (count or percentage of desired) that may exist above the desired count; default 25%.'),
});

export const deploymentStrategy = struct(apps('DeploymentStrategy'), 'How old pods are replaced by new ones.', {
  type: enumOf(['Recreate', 'RollingUpdate'], 'Recreate (all old pods first) or RollingUpdate (default).'),
  rollingUpdate: rollingUpdateDeployment,
});

export const deploymentSpec = struct(
  apps('DeploymentSpec'),
  'The desired state of a Deployment.',
  {
    replicas: int32('Desired number of pods (default 1).'),
    selector: labelSelector,
    template: podTemplateSpec,
    strategy: deploymentStrategy,
    minReadySeconds: int32('Seconds a new pod must be ready, without crashing, to count as available.'),
    revisionHistoryLimit: int32('Old ReplicaSets to keep for rollback (default 10).'),
    paused: bool('Pause the rollout.'),
    progressDeadlineSeconds: int32('Seconds without progress before the rollout is reported as failed (default 600).'),
  },
  { required: ['selector', 'template'] },
);

export const deploymentCondition = struct(
  apps('DeploymentCondition'),
  "One aspect of a Deployment's state: Available, Progressing or ReplicaFailure.",
  {
    type: str('Condition type.'),
    status: str('True, False or Unknown.'),
    lastUpdateTime: time('Last time the condition was updated.'),
    lastTransitionTime: time('Last time the status changed.'),
    reason: str('Machine-readable reason for the last transition.'),
    message: str('Human-readable details.'),
  },
  { required: ['type', 'status'] },
);

export const deploymentStatus = struct(apps('DeploymentStatus'), 'The observed state of a Deployment.', {
  observedGeneration: int64('Generation the controller last acted on.'),
  replicas: int32("Pods targeted by the Deployment (with the selector's labels)."),
  updatedReplicas: int32('Pods running the current template.'),
  readyReplicas: int32('Pods that are ready.'),
  availableReplicas: int32('Pods ready for at least minReadySeconds.'),
  unavailableReplicas: int32('Pods still needed for full availability.'),
  conditions: conditionsOf(deploymentCondition, "Latest observations of the Deployment's state."),
  collisionCount: int32('Counter used to avoid ReplicaSet name collisions.'),
});

export const deploymentSchema = kindSchema(apps('Deployment'), 'Declarative updates for pods and ReplicaSets.', {
  spec: deploymentSpec,
  status: deploymentStatus,
});

function defaultDeployment(obj: KObject) {
  if (!isObj(obj.spec)) obj.spec = {};
  const spec = obj.spec as Obj;
  spec.replicas ??= 1;
  if (!isObj(spec.strategy)) spec.strategy = {};
  const strategy = spec.strategy as Obj;
  if (!strategy.type) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    if (!isObj(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    const ru = strategy.rollingUpdate as Obj;
    ru.maxUnavailable ??= '25%';
    ru.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  defaultPodTemplate(spec.template);
}

/** Both limits zero would stall a rollout; percentages over 100% make no sense for maxUnavailable. */
export function validateRollingUpdate(ru: Obj, p: string): FieldError[] {
  const errs = [...checkPositiveIntOrPercent(`${p}.maxUnavailable`, ru.maxUnavailable), ...checkPositiveIntOrPercent(`${p}.maxSurge`, ru.maxSurge)];
  if (isZeroIntOrPercent(ru.maxUnavailable) && isZeroIntOrPercent(ru.maxSurge)) {
    errs.push(fieldErr.invalid(`${p}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  errs.push(...checkNotMoreThan100Percent(`${p}.maxUnavailable`, ru.maxUnavailable));
  return errs;
}

function validateDeployment(obj: KObject, old?: KObject): FieldError[] {
  const errs = validateReplicatedSpec(obj.spec, 'spec', { emptySelectorWord: 'deployment', kindWord: 'ReplicaSet' });
  const spec = isObj(obj.spec) ? obj.spec : {};
  const strategy = isObj(spec.strategy) ? spec.strategy : {};
  if (strategy.type === 'Recreate' && isSet(strategy.rollingUpdate)) {
    errs.push(fieldErr.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  } else if (strategy.type === 'RollingUpdate') {
    if (isObj(strategy.rollingUpdate)) errs.push(...validateRollingUpdate(strategy.rollingUpdate, 'spec.strategy.rollingUpdate'));
    else errs.push(fieldErr.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
  }
  const pds = spec.progressDeadlineSeconds;
  if (typeof pds === 'number') {
    errs.push(...checkNonNegative('spec.progressDeadlineSeconds', pds));
    if (pds <= (typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0)) {
      errs.push(fieldErr.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
    }
  }
  if (old) errs.push(...validateSelectorImmutable(obj.spec, old.spec));
  return errs;
}

export const deployment: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  schema: deploymentSchema,
  subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' } },
  hasGeneration: true,
  printerColumns: [
    nameColumn,
    { name: 'Ready', type: 'string', description: 'Ready pods out of desired pods.', cell: (o) => `${int(at(o, 'status', 'readyReplicas'))}/${int(at(o, 'spec', 'replicas'))}` },
    { name: 'Up-to-date', type: 'string', description: 'Pods running the current template.', cell: (o) => int(at(o, 'status', 'updatedReplicas')) },
    { name: 'Available', type: 'string', description: 'Pods available to users.', cell: (o) => int(at(o, 'status', 'availableReplicas')) },
    ageColumn,
    // Kubernetes prints a Deployment's selector without the "<none>" placeholder.
    ...templateColumns(['spec', 'template'], (o) => labelSelectorToString(at(o, 'spec', 'selector') as Obj | undefined)),
  ],
  default: defaultDeployment,
  // Fields behind feature gates 1.32 has off are dropped from the template, as from pods.
  prepareCreate: (o) => dropDisabledTemplateFields(specOf(o).template),
  prepareUpdate: (o, old) => dropDisabledTemplateFields(specOf(o).template, specOf(old).template),
  warnings: (o, old) => templateWarnings(specOf(o).template, 'spec.template', old ? specOf(old).template : undefined),
  validate: validateDeployment,
};
