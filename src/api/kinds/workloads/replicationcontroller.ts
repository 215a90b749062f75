// core/v1 ReplicationController: the ReplicaSet's predecessor, still in many old manifests. Its
// selector is a plain label map (equality only), defaulted from the template's labels, and, unlike
// apps/v1 selectors, it may change after creation. The replicaset controller drives it too.

import type { FieldError, KindDef, KObject } from '../../kind.js';
import { fieldErr } from '../../errors.js';
import { conditionsOf, kindSchema } from '../../meta.js';
import { int32, int64, stringMap, str, struct, time } from '../../schema.js';
import { type Obj, checkLabels, checkNonNegative, isObj, isSet } from './checks.js';
import { ageColumn, at, int, nameColumn, templateColumns } from './columns.js';
import { defaultPodTemplate } from './pod-defaults.js';
import { podTemplateSpec } from './pod-spec.js';
import { validatePodTemplateSpec } from './pod-validation.js';
import { specOf, templateWarnings, dropDisabledTemplateFields } from './template-warnings.js';

const core = (n: string) => `io.k8s.api.core.v1.${n}`;

export const replicationControllerSpec = struct(core('ReplicationControllerSpec'), 'The desired state of a ReplicationController.', {
  replicas: int32('Desired number of pods (default 1).'),
  minReadySeconds: int32('Seconds a new pod must be ready, without crashing, to count as available.'),
  selector: stringMap('Label query over pods that should match the replicas count. Defaults to the labels of the pod template.'),
  template: podTemplateSpec,
});

export const replicationControllerCondition = struct(
  core('ReplicationControllerCondition'),
  "One aspect of a ReplicationController's state, e.g. ReplicaFailure.",
  {
    type: str('Condition type.'),
    status: str('True, False or Unknown.'),
    lastTransitionTime: time('Last time the status changed.'),
    reason: str('Machine-readable reason for the last transition.'),
    message: str('Human-readable details.'),
  },
  { required: ['type', 'status'] },
);

export const replicationControllerStatus = struct(
  core('ReplicationControllerStatus'),
  'The observed state of a ReplicationController.',
  {
    replicas: int32('Pods currently owned.'),
    fullyLabeledReplicas: int32("Pods whose labels match the template's."),
    readyReplicas: int32('Pods that are ready.'),
    availableReplicas: int32('Pods ready for at least minReadySeconds.'),
    observedGeneration: int64('Generation the controller last acted on.'),
    conditions: conditionsOf(replicationControllerCondition, "Latest observations of the ReplicationController's state."),
  },
  { required: ['replicas'] },
);

export const replicationControllerSchema = kindSchema(core('ReplicationController'), 'Keeps a given number of pod replicas running (the older form of a ReplicaSet).', {
  spec: replicationControllerSpec,
  status: replicationControllerStatus,
});

const labelsOf = (v: unknown): Record<string, string> => (isObj(v) ? (v as Record<string, string>) : {});

/** "app=nginx,tier=fe" (sorted), "<none>" for an empty selector, as kubectl prints an RC's selector. */
export function formatSelectorMap(sel: unknown): string {
  const entries = Object.entries(labelsOf(sel)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
}

/** SetDefaults_ReplicationController: selector and object labels from the template's labels; one replica. */
export function defaultReplicationController(obj: KObject) {
  if (!isObj(obj.spec)) obj.spec = {};
  const spec = obj.spec as Obj;
  const tmpl = isObj(spec.template) ? spec.template : undefined;
  const labels = tmpl && isObj(tmpl.metadata) && isObj(tmpl.metadata.labels) ? (tmpl.metadata.labels as Record<string, string>) : undefined;
  if (labels) {
    if (Object.keys(labelsOf(spec.selector)).length === 0) spec.selector = { ...labels };
    if (obj.metadata && Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = { ...labels };
  }
  spec.replicas ??= 1;
  defaultPodTemplate(spec.template);
}

/** ValidateReplicationControllerSpec: a non-empty selector matching the template's labels, a restartable template. */
export function validateReplicationControllerSpec(spec: unknown, p = 'spec'): FieldError[] {
  if (!isObj(spec)) return [fieldErr.required(`${p}.selector`), fieldErr.required(`${p}.template`)];
  const errs: FieldError[] = [];
  const selector = labelsOf(spec.selector);
  if (Object.keys(selector).length === 0) errs.push(fieldErr.required(`${p}.selector`));
  else errs.push(...checkLabels(`${p}.selector`, selector));
  errs.push(...checkNonNegative(`${p}.replicas`, spec.replicas));
  errs.push(...checkNonNegative(`${p}.minReadySeconds`, spec.minReadySeconds));
  if (!isSet(spec.template)) {
    errs.push(fieldErr.required(`${p}.template`));
    return errs;
  }
  const tmpl = isObj(spec.template) ? spec.template : {};
  const labels = labelsOf(isObj(tmpl.metadata) ? tmpl.metadata.labels : undefined);
  if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
    errs.push(fieldErr.invalid(`${p}.template.metadata.labels`, labels, '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(spec.template, `${p}.template`));
  const podSpec = isObj(tmpl.spec) ? tmpl.spec : {};
  if (isSet(podSpec.restartPolicy) && podSpec.restartPolicy !== 'Always') errs.push(fieldErr.notSupported(`${p}.template.spec.restartPolicy`, podSpec.restartPolicy, ['Always']));
  if (isSet(podSpec.activeDeadlineSeconds)) {
    errs.push(fieldErr.invalid(`${p}.template.spec.activeDeadlineSeconds`, podSpec.activeDeadlineSeconds, 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

/** ValidateReplicationControllerStatus: counts non-negative and consistent with each other. */
export function validateReplicationControllerStatus(status: unknown, p = 'status'): FieldError[] {
  if (!isObj(status)) return [];
  const errs: FieldError[] = [];
  for (const f of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']) errs.push(...checkNonNegative(`${p}.${f}`, status[f]));
  if (errs.length) return errs; // a negative count makes the comparisons below noise
  const n = (f: string) => (typeof status[f] === 'number' ? (status[f] as number) : 0);
  for (const f of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) {
    if (n(f) > n('replicas')) errs.push(fieldErr.invalid(`${p}.${f}`, n(f), 'cannot be greater than status.replicas'));
  }
  if (n('availableReplicas') > n('readyReplicas')) errs.push(fieldErr.invalid(`${p}.availableReplicas`, n('availableReplicas'), 'cannot be greater than readyReplicas'));
  return errs;
}

export const replicationController: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  schema: replicationControllerSchema,
  subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' } },
  hasGeneration: true,
  printerColumns: [
    nameColumn,
    { name: 'Desired', type: 'integer', description: 'Desired number of pods.', cell: (o) => int(at(o, 'spec', 'replicas')) },
    { name: 'Current', type: 'integer', description: 'Pods currently owned.', cell: (o) => int(at(o, 'status', 'replicas')) },
    { name: 'Ready', type: 'integer', description: 'Pods that are ready.', cell: (o) => int(at(o, 'status', 'readyReplicas')) },
    ageColumn,
    ...templateColumns(['spec', 'template'], (o) => formatSelectorMap(at(o, 'spec', 'selector'))),
  ],
  fieldSelectors: {
    'status.replicas': (o) => String(int(at(o, 'status', 'replicas'))),
  },
  default: defaultReplicationController,
  prepareCreate: (o) => dropDisabledTemplateFields(specOf(o).template),
  prepareUpdate: (o, old) => dropDisabledTemplateFields(specOf(o).template, specOf(old).template),
  warnings: (o, old) => templateWarnings(specOf(o).template, 'spec.template', old ? specOf(old).template : undefined),
  validate: (obj) => [...validateReplicationControllerSpec(obj.spec), ...validateReplicationControllerStatus(obj.status)],
};
