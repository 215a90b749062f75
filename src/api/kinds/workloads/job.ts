// batch/v1 Job: pods that run to completion, retried on failure, optionally indexed.

import { fieldErr } from '../../errors.js';
import { deepEqual } from '../../../util/equal.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema, labelSelector } from '../../meta.js';
import { bool, int32, int64, listOf, setOf, str, struct, time } from '../../schema.js';
import { humanDuration } from '../../table.js';
import { type Obj, checkNonNegative, isObj, isSet, objects, str as text } from './checks.js';
import { ageColumn, at, formatSelector, nameColumn, templateColumns } from './columns.js';
import { defaultPodTemplate } from './pod-defaults.js';
import { podTemplateSpec } from './pod-spec.js';
import { validatePodTemplateSpec } from './pod-validation.js';
import { validateSelector, validateSelectorMatchesTemplate } from './workload.js';
import { specOf, templateWarnings, dropDisabledTemplateFields } from './template-warnings.js';

const batch = (n: string) => `io.k8s.api.batch.v1.${n}`;

export const CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME = 'batch.kubernetes.io/job-name';
const LEGACY_CONTROLLER_UID = 'controller-uid';
const LEGACY_JOB_NAME = 'job-name';

export const podFailurePolicyOnExitCodesRequirement = struct(
  batch('PodFailurePolicyOnExitCodesRequirement'),
  "Matches a container's exit code against a set of values.",
  {
    containerName: str("Only this container's exit code is checked; all containers when empty."),
    operator: str('In or NotIn.'),
    values: setOf(int32(), 'Exit codes to compare with.'),
  },
  { required: ['operator', 'values'] },
);

export const podFailurePolicyOnPodConditionsPattern = struct(
  batch('PodFailurePolicyOnPodConditionsPattern'),
  'Matches a condition of the failed pod.',
  {
    type: str('Pod condition type, e.g. DisruptionTarget.'),
    status: str('Condition status to match (default True).', { default: 'True' }),
  },
  { required: ['type'] },
);

export const podFailurePolicyRule = struct(
  batch('PodFailurePolicyRule'),
  "What to do about a failed pod that matches the rule's requirement.",
  {
    action: str('FailJob, FailIndex, Ignore or Count.'),
    onExitCodes: podFailurePolicyOnExitCodesRequirement,
    onPodConditions: listOf(podFailurePolicyOnPodConditionsPattern, 'Pod conditions, any of which matches.'),
  },
  { required: ['action'] },
);

export const podFailurePolicy = struct(
  batch('PodFailurePolicy'),
  'How pod failures count against the backoff limit.',
  {
    rules: listOf(podFailurePolicyRule, 'Rules checked in order; the first match applies.'),
  },
  { required: ['rules'] },
);

export const successPolicyRule = struct(batch('SuccessPolicyRule'), 'When an indexed job counts as succeeded.', {
  succeededIndexes: str('Indexes that must succeed, e.g. "1,3-5".'),
  succeededCount: int32('How many of those (or of all) indexes must succeed.'),
});

export const successPolicy = struct(
  batch('SuccessPolicy'),
  'Early success for indexed jobs.',
  {
    rules: listOf(successPolicyRule, 'Rules, any of which declares success.'),
  },
  { required: ['rules'] },
);

export const jobSpec = struct(
  batch('JobSpec'),
  'The desired behaviour of a Job.',
  {
    parallelism: int32('Pods running at once, at most (default 1).'),
    completions: int32('Successful pods needed; unset means any success finishes the job.'),
    activeDeadlineSeconds: int64('Seconds the job may run before it is failed.'),
    podFailurePolicy: podFailurePolicy,
    successPolicy: successPolicy,
    backoffLimit: int32('Retries before the job is failed (default 6).'),
    backoffLimitPerIndex: int32('Retries per index of an indexed job.'),
    maxFailedIndexes: int32('Failed indexes allowed before the job is failed.'),
    selector: labelSelector,
    manualSelector: bool('Use the given selector instead of generating one.'),
    template: podTemplateSpec,
    ttlSecondsAfterFinished: int32('Seconds after finishing before the job is deleted.'),
    completionMode: str('NonIndexed (default) or Indexed: each pod gets a completion index.'),
    suspend: bool('Suspend the job: no pods are created and running ones are stopped.'),
    podReplacementPolicy: str('When a replacement pod is created: TerminatingOrFailed or Failed.'),
    managedBy: str('Controller that manages the job; empty for the built-in one.'),
  },
  { required: ['template'] },
);

export const jobCondition = struct(
  batch('JobCondition'),
  "One aspect of a job's state: Complete, Failed, Suspended, FailureTarget, SuccessCriteriaMet.",
  {
    type: str('Condition type.'),
    status: str('True, False or Unknown.'),
    lastProbeTime: time('Last time the condition was checked.'),
    lastTransitionTime: time('Last time the status changed.'),
    reason: str('Machine-readable reason for the last transition.'),
    message: str('Human-readable details.'),
  },
  { required: ['type', 'status'] },
);

export const uncountedTerminatedPods = struct(batch('UncountedTerminatedPods'), 'UIDs of finished pods not yet counted in the status.', {
  succeeded: setOf(str(), 'UIDs of succeeded pods.'),
  failed: setOf(str(), 'UIDs of failed pods.'),
});

export const jobStatus = struct(batch('JobStatus'), 'The observed state of a Job.', {
  conditions: listOf(jobCondition, "Latest observations of the job's state.", { patchMergeKey: 'type', patchStrategy: 'merge' }),
  startTime: time('When the job controller started the job.'),
  completionTime: time('When the job completed.'),
  active: int32('Pods running (or pending).'),
  succeeded: int32('Pods that succeeded.'),
  failed: int32('Pods that failed.'),
  terminating: int32('Pods terminating (being deleted).'),
  completedIndexes: str('Completed indexes of an indexed job, e.g. "1,3-5".'),
  failedIndexes: str('Failed indexes of an indexed job with backoffLimitPerIndex.'),
  uncountedTerminatedPods: uncountedTerminatedPods,
  ready: int32('Pods that are ready.'),
});

export const jobSchema = kindSchema(batch('Job'), 'Runs pods until a number of them succeed.', {
  spec: jobSpec,
  status: jobStatus,
});

/** The selector and template labels Kubernetes generates for a job without manualSelector. */
function generateSelector(obj: KObject, spec: Obj) {
  const uid = obj.metadata?.uid;
  const name = obj.metadata?.name;
  if (!uid) return;
  if (!isObj(spec.template)) spec.template = {};
  const tmpl = spec.template as Obj;
  if (!isObj(tmpl.metadata)) tmpl.metadata = {};
  const meta = tmpl.metadata as Obj;
  if (!isObj(meta.labels)) meta.labels = {};
  const labels = meta.labels as Obj;
  if (name) {
    labels[LEGACY_JOB_NAME] ??= name;
    labels[JOB_NAME] ??= name;
  }
  labels[LEGACY_CONTROLLER_UID] ??= uid;
  labels[CONTROLLER_UID] ??= uid;
  if (!isObj(spec.selector)) spec.selector = {};
  const sel = spec.selector as Obj;
  if (!isObj(sel.matchLabels)) sel.matchLabels = {};
  (sel.matchLabels as Obj)[CONTROLLER_UID] ??= uid;
}

export function defaultJob(obj: KObject) {
  if (!isObj(obj.spec)) obj.spec = {};
  const spec = obj.spec as Obj;
  if (!isSet(spec.completions) && !isSet(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= isSet(spec.backoffLimitPerIndex) ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= isSet(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed';
  if (spec.manualSelector !== true) generateSelector(obj, spec);
  defaultPodTemplate(spec.template);
  const tmplLabels = at(spec, 'template', 'metadata', 'labels');
  const meta = obj.metadata ?? (obj.metadata = {});
  if (isObj(tmplLabels) && Object.keys(meta.labels ?? {}).length === 0) meta.labels = { ...(tmplLabels as Record<string, string>) };
}

const ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];

function validatePodFailurePolicy(spec: Obj, p: string): FieldError[] {
  const pfp = spec.podFailurePolicy;
  if (!isObj(pfp)) return [];
  const errs: FieldError[] = [];
  const restart = at(spec, 'template', 'spec', 'restartPolicy');
  if (isSet(restart) && restart !== 'Never') errs.push(fieldErr.invalid(`${p}.template.spec.restartPolicy`, restart, 'only "Never" is supported when podFailurePolicy is specified'));
  objects(pfp.rules).forEach((r, i) => {
    const rp = `${p}.podFailurePolicy.rules[${i}]`;
    if (isSet(r.action) && !ACTIONS.includes(text(r.action))) errs.push(fieldErr.notSupported(`${rp}.action`, r.action, ACTIONS));
    if (r.action === 'FailIndex' && !isSet(spec.backoffLimitPerIndex)) errs.push(fieldErr.forbidden(`${rp}.action`, 'requires the backoffLimitPerIndex to be set'));
    const hasCodes = isObj(r.onExitCodes);
    const hasConds = Array.isArray(r.onPodConditions) && r.onPodConditions.length > 0;
    if (hasCodes && hasConds) errs.push(fieldErr.invalid(rp, '', 'specifying both OnExitCodes and OnPodConditions is not supported'));
    else if (!hasCodes && !hasConds) errs.push(fieldErr.invalid(rp, '', 'specifying one of OnExitCodes and OnPodConditions is required'));
    if (isObj(r.onExitCodes)) {
      const ec = r.onExitCodes;
      const ep = `${rp}.onExitCodes`;
      if (isSet(ec.operator) && ec.operator !== 'In' && ec.operator !== 'NotIn') errs.push(fieldErr.notSupported(`${ep}.operator`, ec.operator, ['In', 'NotIn']));
      const values = Array.isArray(ec.values) ? ec.values : [];
      if (isSet(ec.values) && values.length === 0) errs.push(fieldErr.invalid(`${ep}.values`, values, 'at least one value is required'));
      values.forEach((v, j) => {
        if (ec.operator === 'In' && v === 0) errs.push(fieldErr.invalid(`${ep}.values[${j}]`, v, 'must not be 0 for the In operator'));
        if (j > 0 && typeof v === 'number' && typeof values[j - 1] === 'number' && (values[j - 1] as number) >= v) {
          errs.push(fieldErr.invalid(`${ep}.values[${j}]`, v, 'must be ordered'));
        }
      });
    }
    objects(r.onPodConditions).forEach((c, j) => {
      const cp = `${rp}.onPodConditions[${j}]`;
      if (isSet(c.status) && !['True', 'False', 'Unknown'].includes(text(c.status))) errs.push(fieldErr.notSupported(`${cp}.status`, c.status, ['True', 'False', 'Unknown']));
    });
  });
  return errs;
}

/** A JobSpec at p: a Job's spec ("spec") or a CronJob's template ("spec.jobTemplate.spec", isTemplate). */
export function validateJobSpec(spec: unknown, p: string, opts: { isTemplate: boolean; uid?: string }): FieldError[] {
  if (!isObj(spec)) return [fieldErr.required(`${p}.template`)];
  const errs: FieldError[] = [];
  for (const k of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex', 'maxFailedIndexes']) {
    errs.push(...checkNonNegative(`${p}.${k}`, spec[k]));
  }
  const mode = spec.completionMode;
  if (isSet(mode) && mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(fieldErr.notSupported(`${p}.completionMode`, mode, ['NonIndexed', 'Indexed']));
  if (mode === 'Indexed') {
    if (!isSet(spec.completions)) errs.push(fieldErr.required(`${p}.completions`, 'when completion mode is Indexed'));
    else if (typeof spec.completions === 'number' && spec.completions > 100000) errs.push(fieldErr.invalid(`${p}.completions`, spec.completions, 'must be less than or equal to 100000 when completion mode is Indexed'));
  } else {
    if (isSet(spec.backoffLimitPerIndex)) errs.push(fieldErr.forbidden(`${p}.backoffLimitPerIndex`, 'requires indexed completion mode'));
    if (isSet(spec.successPolicy)) errs.push(fieldErr.invalid(`${p}.successPolicy`, spec.successPolicy, 'requires indexed completion mode'));
  }
  if (isSet(spec.maxFailedIndexes) && !isSet(spec.backoffLimitPerIndex)) errs.push(fieldErr.required(`${p}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  objects(at(spec, 'successPolicy', 'rules')).forEach((r, i) => {
    if (!isSet(r.succeededIndexes) && !isSet(r.succeededCount)) errs.push(fieldErr.required(`${p}.successPolicy.rules[${i}]`, 'at least one of succeededCount or succeededIndexes must be specified'));
    if (typeof r.succeededCount === 'number' && r.succeededCount <= 0) errs.push(fieldErr.invalid(`${p}.successPolicy.rules[${i}].succeededCount`, r.succeededCount, 'must be greater than 0'));
  });
  const prp = spec.podReplacementPolicy;
  if (isSet(prp)) {
    const allowed = isSet(spec.podFailurePolicy) ? ['Failed'] : ['Failed', 'TerminatingOrFailed'];
    if (!allowed.includes(text(prp))) errs.push(fieldErr.notSupported(`${p}.podReplacementPolicy`, prp, allowed));
  }
  errs.push(...validatePodFailurePolicy(spec, p));

  if (opts.isTemplate) {
    if (spec.manualSelector === true) errs.push(fieldErr.invalid(`${p}.manualSelector`, true, 'must be false or unset'));
    if (isSet(spec.selector)) errs.push(fieldErr.invalid(`${p}.selector`, spec.selector, '`selector` will be auto-generated'));
  } else {
    errs.push(...validateSelector(spec, p, undefined, true));
    if (isSet(spec.selector) && isSet(spec.template)) errs.push(...validateSelectorMatchesTemplate(spec, p));
    if (spec.manualSelector !== true && opts.uid && isObj(spec.selector)) {
      const expected = { matchLabels: { [CONTROLLER_UID]: opts.uid } };
      if (!deepEqual(spec.selector, expected)) errs.push(fieldErr.invalid(`${p}.selector`, spec.selector, '`selector` not auto-generated'));
    }
  }
  if (!isSet(spec.template)) return errs; // required by the schema
  errs.push(...validatePodTemplateSpec(spec.template, `${p}.template`));
  const restart = at(spec, 'template', 'spec', 'restartPolicy');
  if (restart !== 'OnFailure' && restart !== 'Never') errs.push(fieldErr.notSupported(`${p}.template.spec.restartPolicy`, restart ?? '', ['OnFailure', 'Never']));
  return errs;
}

function validateJobUpdate(spec: unknown, oldSpec: unknown): FieldError[] {
  const s = isObj(spec) ? spec : {};
  const o = isObj(oldSpec) ? oldSpec : {};
  const errs: FieldError[] = [];
  for (const k of ['selector', 'completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'manualSelector', 'managedBy']) {
    if (!deepEqual(s[k], o[k])) errs.push(fieldErr.invalid(`spec.${k}`, s[k] ?? null, 'field is immutable'));
  }
  // Indexed jobs may scale completions together with parallelism (elastic indexed jobs).
  const elastic = s.completionMode === 'Indexed' && s.completions === s.parallelism && o.completions === o.parallelism;
  if (!elastic && !deepEqual(s.completions, o.completions)) errs.push(fieldErr.invalid('spec.completions', s.completions ?? null, 'field is immutable'));
  // The template is fixed once a job runs; a suspended job may still be adjusted before it starts.
  if (o.suspend !== true && !deepEqual(s.template, o.template)) errs.push(fieldErr.invalid('spec.template', '<value omitted>', 'field is immutable'));
  return errs;
}

function hasCondition(o: KObject, type: string): boolean {
  return objects(at(o, 'status', 'conditions')).some((c) => c.type === type && c.status === 'True');
}

/** STATUS as kubectl prints a Job. */
export function jobStatusCell(o: KObject): string {
  if (hasCondition(o, 'Complete')) return 'Complete';
  if (hasCondition(o, 'Failed')) return 'Failed';
  if (o.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(o, 'Suspended')) return 'Suspended';
  if (hasCondition(o, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** COMPLETIONS: "succeeded/completions", or "n/1 of parallelism" for work-queue jobs. */
export function jobCompletionsCell(o: KObject): string {
  const succeeded = at(o, 'status', 'succeeded');
  const done = typeof succeeded === 'number' ? succeeded : 0;
  const completions = at(o, 'spec', 'completions');
  if (typeof completions === 'number') return `${done}/${completions}`;
  const parallelism = at(o, 'spec', 'parallelism');
  return typeof parallelism === 'number' && parallelism > 1 ? `${done}/1 of ${parallelism}` : `${done}/1`;
}

/** DURATION: from start to completion, or to now while running; empty before the start. */
export function jobDurationCell(o: KObject, now = Date.now()): string {
  const start = at(o, 'status', 'startTime');
  if (typeof start !== 'string') return '';
  const end = at(o, 'status', 'completionTime');
  return humanDuration((typeof end === 'string' ? Date.parse(end) : now) - Date.parse(start));
}

export const job: KindDef = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  schema: jobSchema,
  subresources: { status: true },
  hasGeneration: true,
  printerColumns: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'Status of the job.', cell: jobStatusCell },
    { name: 'Completions', type: 'string', description: 'Succeeded pods out of those needed.', cell: jobCompletionsCell },
    { name: 'Duration', type: 'string', description: 'Time the job took (or has taken so far).', cell: (o) => jobDurationCell(o) },
    ageColumn,
    ...templateColumns(['spec', 'template'], (o) => formatSelector(at(o, 'spec', 'selector'))),
  ],
  fieldSelectors: {
    'status.successful': (o) => String(typeof at(o, 'status', 'succeeded') === 'number' ? at(o, 'status', 'succeeded') : 0),
  },
  default: defaultJob,
  // Fields behind feature gates 1.32 has off are dropped from the template, as from pods.
  prepareCreate: (o) => dropDisabledTemplateFields(specOf(o).template),
  prepareUpdate: (o, old) => dropDisabledTemplateFields(specOf(o).template, specOf(old).template),
  warnings: (o, old) => templateWarnings(specOf(o).template, 'spec.template', old ? specOf(old).template : undefined),
  validate: (obj, old) => [...validateJobSpec(obj.spec, 'spec', { isTemplate: false, uid: obj.metadata?.uid }), ...(old ? validateJobUpdate(obj.spec, old.spec) : [])],
};
