// batch/v1 CronJob: creates Jobs on a cron schedule.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema, objectMeta } from '../../meta.js';
import { bool, enumOf, int32, int64, listOf, str, struct, time } from '../../schema.js';
import { age } from '../../table.js';
import { type Obj, checkNonNegative, isObj, isSet, str as text } from './checks.js';
import { ageColumn, at, formatSelector, nameColumn, templateColumns } from './columns.js';
import { cronScheduleError } from './cron.js';
import { jobSpec, validateJobSpec } from './job.js';
import { defaultPodTemplate } from './pod-defaults.js';
import { objectReference } from './refs.js';
import { jobTemplateOf, templateWarnings, dropDisabledTemplateFields } from './template-warnings.js';

const batch = (n: string) => `io.k8s.api.batch.v1.${n}`;

export const jobTemplateSpec = struct(batch('JobTemplateSpec'), 'The Jobs a CronJob creates: their metadata and spec.', {
  metadata: objectMeta,
  spec: jobSpec,
});

export const cronJobSpec = struct(
  batch('CronJobSpec'),
  'The desired behaviour of a CronJob.',
  {
    schedule: str('Cron schedule, e.g. "*/5 * * * *" or "@hourly".'),
    timeZone: str("IANA time zone the schedule is read in, e.g. Etc/UTC; the controller's when unset."),
    startingDeadlineSeconds: int64('Seconds after a missed time within which the job may still start.'),
    concurrencyPolicy: enumOf(['Allow', 'Forbid', 'Replace'], 'Whether runs may overlap: Allow (default), Forbid, or Replace the running job.', { default: 'Allow' }),
    suspend: bool('Stop creating new jobs (running ones continue).', { default: false }),
    jobTemplate: jobTemplateSpec,
    successfulJobsHistoryLimit: int32('Finished successful jobs to keep (default 3).', { default: 3 }),
    failedJobsHistoryLimit: int32('Failed jobs to keep (default 1).', { default: 1 }),
  },
  { required: ['schedule', 'jobTemplate'] },
);

export const cronJobStatus = struct(batch('CronJobStatus'), 'The observed state of a CronJob.', {
  active: listOf(objectReference, 'Jobs currently running.'),
  lastScheduleTime: time('When a job was last scheduled.'),
  lastSuccessfulTime: time('When a job last completed successfully.'),
});

export const cronJobSchema = kindSchema(batch('CronJob'), 'Runs a Job on a repeating schedule.', {
  spec: cronJobSpec,
  status: cronJobStatus,
});

/** Whether a time zone name is one the runtime's IANA database knows. */
function knownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function validateTimeZone(tz: unknown): FieldError[] {
  if (!isSet(tz)) return [];
  const p = 'spec.timeZone';
  const s = text(tz);
  if (s === '') return [fieldErr.invalid(p, s, 'timeZone must be nil or non-empty string')];
  if (s.toLowerCase() === 'local') return [fieldErr.invalid(p, s, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones')];
  const badPart = s.split('/').some((part) => part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z._+\-0-9]+$/.test(part));
  if (badPart || !knownTimeZone(s)) return [fieldErr.invalid(p, s, `unknown time zone ${s}`)];
  return [];
}

/** CronJob names are limited so that the jobs' generated names stay valid. */
const MAX_NAME = 52;

function validateCronJob(obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const name = obj.metadata?.name ?? '';
  if (name.length > MAX_NAME) errs.push(fieldErr.invalid('metadata.name', name, `must be no more than ${MAX_NAME} characters`));
  if (!isObj(obj.spec)) return [...errs, fieldErr.required('spec.schedule'), fieldErr.required('spec.jobTemplate')];
  const spec = obj.spec;
  const schedule = spec.schedule;
  if (schedule === '') errs.push(fieldErr.required('spec.schedule'));
  else if (typeof schedule === 'string') {
    if (/(^|\s)(CRON_)?TZ=/.test(schedule)) errs.push(fieldErr.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
    else {
      const why = cronScheduleError(schedule);
      if (why) errs.push(fieldErr.invalid('spec.schedule', schedule, why));
    }
  }
  errs.push(...validateTimeZone(spec.timeZone));
  for (const k of ['startingDeadlineSeconds', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) errs.push(...checkNonNegative(`spec.${k}`, spec[k]));
  const jt = spec.jobTemplate;
  if (isObj(jt)) {
    if (isSet(jt.spec)) errs.push(...validateJobSpec(jt.spec, 'spec.jobTemplate.spec', { isTemplate: true }));
  }
  return errs;
}

const printBool = (v: unknown) => (v === true ? 'True' : v === false ? 'False' : '<unset>');

export const cronJob: KindDef = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  schema: cronJobSchema,
  subresources: { status: true },
  hasGeneration: true,
  printerColumns: [
    nameColumn,
    { name: 'Schedule', type: 'string', description: 'The cron schedule.', cell: (o) => text(at(o, 'spec', 'schedule')) },
    { name: 'Timezone', type: 'string', description: 'Time zone of the schedule.', cell: (o) => text(at(o, 'spec', 'timeZone')) || '<none>' },
    { name: 'Suspend', type: 'boolean', description: 'Whether new jobs are held back.', cell: (o) => printBool(at(o, 'spec', 'suspend')) },
    {
      name: 'Active',
      type: 'integer',
      description: 'Jobs currently running.',
      cell: (o) => {
        const a = at(o, 'status', 'active');
        return Array.isArray(a) ? a.length : 0;
      },
    },
    {
      name: 'Last Schedule',
      type: 'string',
      description: 'Time since a job was last scheduled.',
      cell: (o) => {
        const t = at(o, 'status', 'lastScheduleTime');
        return typeof t === 'string' ? age(t) : '<none>';
      },
    },
    ageColumn,
    ...templateColumns(['spec', 'jobTemplate', 'spec', 'template'], (o) => formatSelector(at(o, 'spec', 'jobTemplate', 'spec', 'selector'))),
  ],
  default: (obj) => defaultPodTemplate(at(obj, 'spec', 'jobTemplate', 'spec', 'template') as Obj | undefined),
  // Fields behind feature gates 1.32 has off are dropped from the template, as from pods.
  prepareCreate: (o) => dropDisabledTemplateFields(jobTemplateOf(o)),
  prepareUpdate: (o, old) => dropDisabledTemplateFields(jobTemplateOf(o), jobTemplateOf(old)),
  warnings: (o, old) => templateWarnings(jobTemplateOf(o), 'spec.jobTemplate.spec.template', old ? jobTemplateOf(old) : undefined),
  validate: validateCronJob,
};
