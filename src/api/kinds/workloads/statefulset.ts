// apps/v1 StatefulSet: pods with stable names, ordinals and per-pod volume claims.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { conditionsOf, kindSchema, labelSelector } from '../../meta.js';
import { int32, int64, intOrString, listOf, str, struct, time } from '../../schema.js';
import { deepEqual } from '../../../util/equal.js';
import { type Obj, checkDNSSubdomain, checkNonNegative, checkNotMoreThan100Percent, checkPositiveIntOrPercent, isObj, isSet, objects, str as text } from './checks.js';
import { ageColumn, at, int, nameColumn, templateColumns } from './columns.js';
import { defaultPodTemplate } from './pod-defaults.js';
import { podTemplateSpec } from './pod-spec.js';
import { persistentVolumeClaim } from './pvc.js';
import { validateReplicatedSpec, validateSelectorImmutable } from './workload.js';
import { claimTemplateWarnings, specOf, templateWarnings, dropDisabledTemplateFields } from './template-warnings.js';

const apps = (n: string) => `io.k8s.api.apps.v1.${n}`;

export const rollingUpdateStatefulSetStrategy = struct(apps('RollingUpdateStatefulSetStrategy'), 'How a rolling update of a StatefulSet proceeds.', {
  partition: int32('Only pods with an ordinal at or above this are updated (default 0).'),
  maxUnavailable: intOrString('Pods (count or percentage) that may be unavailable during the update (default 1).'),
});

export const statefulSetUpdateStrategy = struct(apps('StatefulSetUpdateStrategy'), 'How pods are replaced when the template changes.', {
  type: str('RollingUpdate (default) or OnDelete.'),
  rollingUpdate: rollingUpdateStatefulSetStrategy,
});

export const statefulSetPersistentVolumeClaimRetentionPolicy = struct(apps('StatefulSetPersistentVolumeClaimRetentionPolicy'), 'What happens to the claims from volumeClaimTemplates.', {
  whenDeleted: str('Retain (default) or Delete the claims when the StatefulSet is deleted.'),
  whenScaled: str('Retain (default) or Delete the claims of pods removed by scaling down.'),
});

export const statefulSetOrdinals = struct(apps('StatefulSetOrdinals'), "Numbering of the StatefulSet's pods.", {
  start: int32('First ordinal (default 0).'),
});

export const statefulSetSpec = struct(
  apps('StatefulSetSpec'),
  'The desired state of a StatefulSet.',
  {
    replicas: int32('Desired number of pods (default 1).'),
    selector: labelSelector,
    template: podTemplateSpec,
    volumeClaimTemplates: listOf(persistentVolumeClaim, 'Claims each pod gets, named <template>-<statefulset>-<ordinal>.'),
    serviceName: str('Headless Service giving the pods their network identity.'),
    podManagementPolicy: str('OrderedReady (default: one pod at a time, in order) or Parallel.'),
    updateStrategy: statefulSetUpdateStrategy,
    revisionHistoryLimit: int32('ControllerRevisions to keep (default 10).'),
    minReadySeconds: int32('Seconds a new pod must be ready, without crashing, to count as available.'),
    persistentVolumeClaimRetentionPolicy: statefulSetPersistentVolumeClaimRetentionPolicy,
    ordinals: statefulSetOrdinals,
  },
  { required: ['selector', 'template'] },
);

export const statefulSetCondition = struct(
  apps('StatefulSetCondition'),
  "One aspect of a StatefulSet's state.",
  {
    type: str('Condition type.'),
    status: str('True, False or Unknown.'),
    lastTransitionTime: time('Last time the status changed.'),
    reason: str('Machine-readable reason for the last transition.'),
    message: str('Human-readable details.'),
  },
  { required: ['type', 'status'] },
);

export const statefulSetStatus = struct(
  apps('StatefulSetStatus'),
  'The observed state of a StatefulSet.',
  {
    observedGeneration: int64('Generation the controller last acted on.'),
    replicas: int32('Pods created.'),
    readyReplicas: int32('Pods that are ready.'),
    currentReplicas: int32('Pods at currentRevision.'),
    updatedReplicas: int32('Pods at updateRevision.'),
    currentRevision: str('Revision the pods below the partition run.'),
    updateRevision: str('Revision being rolled out.'),
    collisionCount: int32('Counter used to avoid ControllerRevision name collisions.'),
    conditions: conditionsOf(statefulSetCondition, "Latest observations of the StatefulSet's state."),
    availableReplicas: int32('Pods ready for at least minReadySeconds.'),
  },
  { required: ['replicas'] },
);

export const statefulSetSchema = kindSchema(apps('StatefulSet'), 'Pods with stable identities and storage, created and updated in order.', {
  spec: statefulSetSpec,
  status: statefulSetStatus,
});

function defaultStatefulSet(obj: KObject) {
  if (!isObj(obj.spec)) obj.spec = {};
  const spec = obj.spec as Obj;
  if (!spec.podManagementPolicy) spec.podManagementPolicy = 'OrderedReady';
  if (!isObj(spec.updateStrategy)) spec.updateStrategy = {};
  const us = spec.updateStrategy as Obj;
  if (!us.type) {
    us.type = 'RollingUpdate';
    if (!isObj(us.rollingUpdate)) us.rollingUpdate = {};
  }
  if (us.type === 'RollingUpdate' && isObj(us.rollingUpdate)) us.rollingUpdate.partition ??= 0;
  if (!isObj(spec.persistentVolumeClaimRetentionPolicy)) spec.persistentVolumeClaimRetentionPolicy = {};
  const rp = spec.persistentVolumeClaimRetentionPolicy as Obj;
  if (!rp.whenDeleted) rp.whenDeleted = 'Retain';
  if (!rp.whenScaled) rp.whenScaled = 'Retain';
  spec.replicas ??= 1;
  spec.revisionHistoryLimit ??= 10;
  // Claim templates are full PersistentVolumeClaims: Kubernetes fills in their type and phase.
  for (const t of objects(spec.volumeClaimTemplates)) {
    t.apiVersion ??= 'v1';
    t.kind ??= 'PersistentVolumeClaim';
    if (!isObj(t.status)) t.status = {};
    (t.status as Obj).phase ??= 'Pending';
  }
  defaultPodTemplate(spec.template);
}

const RETENTION = ['Retain', 'Delete'];

function validateStatefulSetSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const pmp = spec.podManagementPolicy;
  if (pmp === '') errs.push(fieldErr.required('spec.podManagementPolicy'));
  else if (isSet(pmp) && pmp !== 'OrderedReady' && pmp !== 'Parallel') errs.push(fieldErr.invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  const us = isObj(spec.updateStrategy) ? spec.updateStrategy : {};
  if (us.type === 'OnDelete') {
    if (isSet(us.rollingUpdate)) errs.push(fieldErr.invalid('spec.updateStrategy.rollingUpdate', us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (us.type === 'RollingUpdate') {
    const ru = us.rollingUpdate;
    if (isObj(ru)) {
      errs.push(...checkNonNegative('spec.updateStrategy.rollingUpdate.partition', ru.partition));
      if (isSet(ru.maxUnavailable)) {
        errs.push(...checkPositiveIntOrPercent('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable));
        if (ru.maxUnavailable === 0 || ru.maxUnavailable === '0%') errs.push(fieldErr.invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'must be greater than 0'));
        errs.push(...checkNotMoreThan100Percent('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable));
      }
    }
  } else if (isSet(us.type)) {
    errs.push(fieldErr.invalid('spec.updateStrategy', us, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const rp = spec.persistentVolumeClaimRetentionPolicy;
  if (isObj(rp)) {
    for (const k of ['whenDeleted', 'whenScaled']) {
      if (isSet(rp[k]) && !RETENTION.includes(text(rp[k]))) errs.push(fieldErr.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, rp[k], RETENTION));
    }
  }
  if (isObj(spec.ordinals)) errs.push(...checkNonNegative('spec.ordinals.start', spec.ordinals.start));
  if (text(spec.serviceName)) errs.push(...checkDNSSubdomain('spec.serviceName', text(spec.serviceName)));
  return errs;
}

const MUTABLE = ['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy'];

function validateStatefulSetUpdate(spec: unknown, oldSpec: unknown): FieldError[] {
  const strip = (s: unknown) => {
    const o = isObj(s) ? { ...s } : {};
    for (const k of MUTABLE) delete o[k];
    return o;
  };
  if (deepEqual(strip(spec), strip(oldSpec))) return [];
  return [fieldErr.forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
}

export const statefulSet: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  schema: statefulSetSchema,
  subresources: { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.spec.selector' } },
  hasGeneration: true,
  printerColumns: [nameColumn, { name: 'Ready', type: 'string', description: 'Ready pods out of desired pods.', cell: (o) => `${int(at(o, 'status', 'readyReplicas'))}/${int(at(o, 'spec', 'replicas'))}` }, ageColumn, ...templateColumns(['spec', 'template'])],
  default: defaultStatefulSet,
  // Fields behind feature gates 1.32 has off are dropped from the template, as from pods.
  prepareCreate: (o) => dropDisabledTemplateFields(specOf(o).template),
  prepareUpdate: (o, old) => dropDisabledTemplateFields(specOf(o).template, specOf(old).template),
  warnings: (o, old) => [...templateWarnings(specOf(o).template, 'spec.template', old ? specOf(old).template : undefined), ...(old ? [] : claimTemplateWarnings(specOf(o).volumeClaimTemplates))],
  validate: (obj, old) => {
    // Pods mount their claims by template name, though the template lists no such volume.
    const claimVolumes = objects(at(obj, 'spec', 'volumeClaimTemplates'))
      .map((t) => text(at(t, 'metadata', 'name')))
      .filter(Boolean);
    const errs = validateReplicatedSpec(obj.spec, 'spec', { emptySelectorWord: 'statefulset', kindWord: 'StatefulSet', claimVolumes });
    if (isObj(obj.spec)) errs.push(...validateStatefulSetSpec(obj.spec));
    if (old) errs.push(...validateSelectorImmutable(obj.spec, old.spec), ...validateStatefulSetUpdate(obj.spec, old.spec));
    return errs;
  },
};
