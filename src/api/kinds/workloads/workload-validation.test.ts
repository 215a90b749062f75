import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KindDef, KObject } from '../../kind.js';
import { controllerRevision } from './controllerrevision.js';
import { cronJob } from './cronjob.js';
import { daemonSet } from './daemonset.js';
import { deployment } from './deployment.js';
import { job } from './job.js';
import { replicaSet } from './replicaset.js';
import { statefulSet } from './statefulset.js';
import { admit, messages } from './testing.js';

const template = (labels: Record<string, string> = { app: 'web' }, spec: Record<string, unknown> = {}) => ({ metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], ...spec } });
const mk = (spec: Record<string, unknown>, name = 'web'): KObject => ({ metadata: { name }, spec });
const errorsOf = (def: KindDef, obj: KObject, old?: KObject) => messages(admit(def, obj, old).errors);

describe('apps/v1 selectors and templates', () => {
  for (const [def, word] of [
    [deployment, 'deployment'],
    [replicaSet, 'deployment'],
    [statefulSet, 'statefulset'],
    [daemonSet, 'daemonset'],
  ] as const) {
    it(`${def.kind}: selector must be non-empty and match the template labels`, () => {
      assert.deepEqual(errorsOf(def, mk({ selector: { matchLabels: { app: 'web' } }, template: template() })), []);
      const mismatch = errorsOf(def, mk({ selector: { matchLabels: { app: 'api' } }, template: template() }));
      assert.deepEqual(mismatch, ['spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`']);
      const empty = errorsOf(def, mk({ selector: {}, template: template() }));
      assert.deepEqual(empty, [`spec.selector: Invalid value: {}: empty selector is invalid for ${word}`]);
    });
  }

  it('selector is required', () => {
    const errs = errorsOf(deployment, mk({ template: template() }));
    assert.ok(errs.includes('spec.selector: Required value'), errs.join('\n'));
    assert.ok(errs.includes('spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`'), errs.join('\n'));
  });

  it('matchExpressions select too', () => {
    const sel = {
      matchExpressions: [
        { key: 'app', operator: 'In', values: ['web', 'api'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    };
    assert.deepEqual(errorsOf(deployment, mk({ selector: sel, template: template() })), []);
    const bad = { matchExpressions: [{ key: 'app', operator: 'In' }] };
    assert.ok(errorsOf(deployment, mk({ selector: bad, template: template() })).includes("spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"));
  });

  it('replicas must not be negative; template must restart Always', () => {
    const errs = errorsOf(deployment, mk({ replicas: -1, selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }, { restartPolicy: 'Never' }) }));
    assert.deepEqual(errs, ['spec.replicas: Invalid value: -1: must be greater than or equal to 0', 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']);
  });

  it('selector is immutable on update', () => {
    const first = admit(deployment, mk({ selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web', tier: 'fe' }) })).obj;
    const next = structuredClone(first);
    (next.spec as any).selector = { matchLabels: { app: 'web', tier: 'fe' } };
    assert.deepEqual(errorsOf(deployment, next, first), ['spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"fe"}}: field is immutable']);
    const scaled = structuredClone(first);
    (scaled.spec as any).replicas = 5;
    assert.deepEqual(errorsOf(deployment, scaled, first), []);
  });

  it('Deployment strategy and progress deadline', () => {
    const base = { selector: { matchLabels: { app: 'web' } }, template: template() };
    assert.deepEqual(errorsOf(deployment, mk({ ...base, strategy: { type: 'Recreate', rollingUpdate: {} } })), ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]);
    assert.deepEqual(errorsOf(deployment, mk({ ...base, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } })), ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0']);
    assert.deepEqual(errorsOf(deployment, mk({ ...base, strategy: { rollingUpdate: { maxUnavailable: '150%' } } })), ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%']);
    assert.deepEqual(errorsOf(deployment, mk({ ...base, minReadySeconds: 30, progressDeadlineSeconds: 10 })), ['spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds']);
  });

  it('StatefulSet: policies and the fields an update may change', () => {
    const base = { serviceName: 'web', selector: { matchLabels: { app: 'web' } }, template: template() };
    assert.deepEqual(errorsOf(statefulSet, mk({ ...base, podManagementPolicy: 'Random' })), ["spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"]);
    const first = admit(statefulSet, mk(base)).obj;
    const ok = structuredClone(first);
    Object.assign(ok.spec as object, { replicas: 3, updateStrategy: { type: 'OnDelete' } });
    assert.deepEqual(errorsOf(statefulSet, ok, first), []);
    const bad = structuredClone(first);
    (bad.spec as any).serviceName = 'other';
    assert.deepEqual(errorsOf(statefulSet, bad, first), ["spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"]);
  });

  it('DaemonSet update strategy', () => {
    const base = { selector: { matchLabels: { app: 'web' } }, template: template() };
    assert.deepEqual(errorsOf(daemonSet, mk({ ...base, updateStrategy: { type: 'Everywhere' } })), ['spec.updateStrategy: Unsupported value: "Everywhere": supported values: "RollingUpdate", "OnDelete"']);
  });

  it('ControllerRevision needs data and keeps it', () => {
    assert.deepEqual(errorsOf(controllerRevision, { metadata: { name: 'r' }, revision: 1 }), ['data: Required value: data is mandatory']);
    const first = admit(controllerRevision, { metadata: { name: 'r' }, revision: 1, data: { spec: {} } }).obj;
    assert.deepEqual(errorsOf(controllerRevision, { ...first, data: { spec: { x: 1 } } }, first), ['data: Invalid value: "<value omitted>": field is immutable']);
  });
});

describe('batch/v1', () => {
  const jobSpec = (restartPolicy = 'Never', extra: Record<string, unknown> = {}) => ({ template: { spec: { restartPolicy, containers: [{ name: 'pi', image: 'perl:5.34' }] } }, ...extra });

  it('Job pods must not restart Always (the default)', () => {
    assert.deepEqual(errorsOf(job, mk(jobSpec('Never'), 'pi')), []);
    assert.deepEqual(errorsOf(job, mk({ template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } } }, 'pi')), ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
  });

  it('Job selector: generated unless manual, and then it must match', () => {
    const userSelector = errorsOf(job, mk(jobSpec('Never', { selector: { matchLabels: { app: 'x' } } }), 'pi'));
    assert.ok(userSelector.includes('spec.selector: Invalid value: {"matchLabels":{"app":"x","batch.kubernetes.io/controller-uid":"11111111-2222-3333-4444-555555555555"}}: `selector` not auto-generated'), userSelector.join('\n'));
    const manual = jobSpec('Never', { manualSelector: true, selector: { matchLabels: { app: 'x' } } });
    assert.deepEqual(errorsOf(job, mk(manual, 'pi')), ['spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`']);
  });

  it('Job: indexed mode needs completions; the failure policy needs restartPolicy Never', () => {
    assert.deepEqual(errorsOf(job, mk(jobSpec('Never', { completionMode: 'Indexed', parallelism: 2 }), 'pi')), ['spec.completions: Required value: when completion mode is Indexed']);
    const pfp = { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] } };
    assert.deepEqual(errorsOf(job, mk(jobSpec('OnFailure', pfp), 'pi')), ['spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified']);
  });

  it('Job: template and selector are immutable; suspended jobs may change the template', () => {
    const first = admit(job, mk(jobSpec(), 'pi')).obj;
    const changed = structuredClone(first);
    (changed.spec as any).template.spec.containers[0].image = 'perl:5.36';
    assert.deepEqual(errorsOf(job, changed, first), ['spec.template: Invalid value: "<value omitted>": field is immutable']);
    const suspended = admit(job, mk(jobSpec('Never', { suspend: true }), 'pi')).obj;
    const resumed = structuredClone(suspended);
    (resumed.spec as any).suspend = false;
    (resumed.spec as any).template.spec.containers[0].image = 'perl:5.36';
    assert.deepEqual(errorsOf(job, resumed, suspended), []);
  });

  it('CronJob: schedule, time zone, name length, job template', () => {
    const jt = { spec: jobSpec('OnFailure') };
    assert.deepEqual(errorsOf(cronJob, mk({ schedule: '0 */2 * * MON-FRI', timeZone: 'Europe/Paris', jobTemplate: jt }, 'cj')), []);
    assert.deepEqual(errorsOf(cronJob, mk({ schedule: 'every minute', jobTemplate: jt }, 'cj')), ['spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: every minute']);
    assert.deepEqual(errorsOf(cronJob, mk({ schedule: 'TZ=UTC 0 * * * *', jobTemplate: jt }, 'cj')), ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']);
    assert.deepEqual(errorsOf(cronJob, mk({ schedule: '@hourly', timeZone: 'Mars/Olympus', jobTemplate: jt }, 'cj')), ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']);
    assert.deepEqual(errorsOf(cronJob, mk({ schedule: '@daily', jobTemplate: jt }, 'x'.repeat(53))), [`metadata.name: Invalid value: "${'x'.repeat(53)}": must be no more than 52 characters`]);
    const withSelector = { spec: { ...jobSpec('OnFailure'), selector: { matchLabels: { a: 'b' } } } };
    assert.deepEqual(errorsOf(cronJob, mk({ schedule: '@daily', jobTemplate: withSelector }, 'cj')), ['spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated']);
    assert.deepEqual(errorsOf(cronJob, mk({ schedule: '@daily', concurrencyPolicy: 'Sometimes', jobTemplate: jt }, 'cj')), ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']);
  });
});
