// The CronJob controller (Kubernetes' cronjob controller v2): at each scheduled time of the cron
// schedule (in spec.timeZone, else UTC) it creates the Job `<cronjob>-<scheduled minutes since
// epoch>` from the jobTemplate, honouring suspend, startingDeadlineSeconds and concurrencyPolicy
// (Allow, Forbid: skip while one runs, Replace: delete the running ones first); it keeps
// status.active, lastScheduleTime and lastSuccessfulTime, and deletes finished Jobs beyond
// successfulJobsHistoryLimit / failedJobsHistoryLimit, oldest first.

import type { Job } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, type InformerLike } from '../../client/informer.js';
import { byControllerUid, INDEX_CONTROLLER_UID } from '../../client/indexer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isConflict, isNotFound, StatusError, type RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';
import { nowRfc3339, ownedBy, ownerRefTo } from '../util/pod-state.js';
import { mostRecentRun, nextRun, parseCronSchedule, validTimeZone } from './schedule.js';

interface CronJobSpec {
  schedule: string;
  timeZone?: string;
  startingDeadlineSeconds?: number;
  concurrencyPolicy?: string;
  suspend?: boolean;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  jobTemplate: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> };
}

interface ObjectRef {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

const jobOutcome = (job: KObject): 'Complete' | 'Failed' | undefined => {
  const cs = (job as Job).status?.conditions ?? [];
  if (cs.some((c) => c.type === 'Complete' && c.status === 'True')) return 'Complete';
  if (cs.some((c) => c.type === 'Failed' && c.status === 'True')) return 'Failed';
  return undefined;
};

export class CronJobController extends Controller {
  private cronjobs: InformerLike;
  private jobs: InformerLike;
  private events: EventRecorder;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('cronjob', log, factory, 2);
    this.events = new EventRecorder(client, 'cronjob-controller', log);
    this.cronjobs = this.informers.informer(R.cronjobs);
    this.jobs = this.informers.informer(R.jobs, {}, { [INDEX_CONTROLLER_UID]: byControllerUid });
    this.watch(this.cronjobs, (_old, o) => o && keyOf(o));
    // A Job of ours changed (finished, deleted): its CronJob looks again.
    this.watch(this.jobs, (old, o) => this.controllerOwnerKey((o ?? old)!, 'CronJob', this.cronjobs));
  }

  protected async reconcile(key: string) {
    const cj = this.cronjobs.get(key);
    if (!cj || cj.metadata?.deletionTimestamp) return;
    const spec = cj.spec as CronJobSpec;
    const ns = cj.metadata!.namespace!;
    const status = structuredClone((cj.status ?? {}) as { active?: ObjectRef[]; lastScheduleTime?: string; lastSuccessfulTime?: string });
    const jobs = ownedBy(this.jobs.byIndex(INDEX_CONTROLLER_UID, cj.metadata!.uid!), cj);

    // Active refs: the owned jobs still running.
    const running = jobs.filter((j) => !jobOutcome(j) && !j.metadata?.deletionTimestamp);
    const active: ObjectRef[] = running.map(refTo);
    for (const j of jobs) {
      const done = (j as Job).status?.completionTime;
      if (jobOutcome(j) === 'Complete' && done && (!status.lastSuccessfulTime || done > status.lastSuccessfulTime)) status.lastSuccessfulTime = done;
    }
    for (const ref of status.active ?? []) {
      const j = jobs.find((x) => x.metadata?.uid === ref.uid);
      if (j && jobOutcome(j)) this.events.record(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata!.name}, condition: ${jobOutcome(j)}`);
    }
    status.active = active.length ? active : undefined;
    await this.cleanupHistory(cj, spec, jobs);

    const write = async () => {
      const cur = (cj.status ?? {}) as object;
      const next = Object.fromEntries(Object.entries(status).filter(([, v]) => v !== undefined));
      if (!deepEqual(next, cur)) await this.client.update(R.cronjobs, { ...cj, status: next }, 'status');
    };
    if (spec.suspend) return write();

    let schedule: ReturnType<typeof parseCronSchedule>;
    try {
      schedule = parseCronSchedule(spec.schedule);
    } catch (e) {
      this.events.record(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(spec.schedule)} : ${(e as Error).message}`);
      return write();
    }
    const tz = spec.timeZone ?? 'UTC';
    if (!validTimeZone(tz)) {
      this.events.record(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(tz)}: unknown time zone ${tz}`);
      return write();
    }
    const now = Date.now();
    let earliest = Date.parse(status.lastScheduleTime ?? cj.metadata!.creationTimestamp!);
    if (spec.startingDeadlineSeconds !== undefined && spec.startingDeadlineSeconds !== null) earliest = Math.max(earliest, now - spec.startingDeadlineSeconds * 1000);
    const { time, missed } = mostRecentRun(schedule, earliest, now, tz);
    const requeue = () => {
      const next = nextRun(schedule, now, tz);
      if (next !== undefined) this.queue.addAfter(key, Math.min(next - now + 100, 24 * 3600_000));
    };
    if (time === undefined) {
      requeue();
      return write();
    }
    if (missed > 100) this.events.record(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    const tooLate = spec.startingDeadlineSeconds !== undefined && spec.startingDeadlineSeconds !== null && time + spec.startingDeadlineSeconds * 1000 < now;
    const name = `${cj.metadata!.name}-${Math.floor(time / 60_000)}`;
    const alreadyMade = jobs.some((j) => j.metadata?.name === name) || (status.lastScheduleTime !== undefined && Date.parse(status.lastScheduleTime) >= time);
    if (tooLate) {
      this.events.record(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${new Date(time).toISOString()}`);
    } else if (!alreadyMade) {
      const policy = spec.concurrencyPolicy ?? 'Allow';
      if (policy === 'Forbid' && running.length > 0) {
        this.events.record(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
        requeue();
        return write();
      }
      if (policy === 'Replace') {
        for (const j of running) {
          await this.client.delete(R.jobs, ns, j.metadata!.name!, { propagationPolicy: 'Background' }).catch(ignoreGone);
          this.events.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata!.name}`);
        }
        status.active = undefined;
      }
      const job = await this.createJob(cj, spec, name, time);
      if (job) status.active = [...(status.active ?? []), refTo(job)];
      status.lastScheduleTime = nowRfc3339(time);
    }
    requeue();
    return write();
  }

  private async createJob(cj: KObject, spec: CronJobSpec, name: string, time: number): Promise<KObject | undefined> {
    const t = structuredClone(spec.jobTemplate);
    const job: KObject = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata!.namespace,
        labels: t.metadata?.labels ?? {},
        annotations: { ...(t.metadata?.annotations ?? {}), [SCHEDULED_TIMESTAMP]: nowRfc3339(time) },
        ownerReferences: [ownerRefTo(cj, 'batch/v1', 'CronJob')],
      },
      spec: t.spec,
    };
    try {
      const made = await this.client.create(R.jobs, cj.metadata!.namespace, job);
      this.events.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${name}`);
      return made;
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) return undefined; // made by an earlier pass
      this.events.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
      throw e;
    }
  }

  private async cleanupHistory(cj: KObject, spec: CronJobSpec, jobs: KObject[]) {
    const startOf = (j: KObject) => (j as Job).status?.startTime ?? j.metadata!.creationTimestamp ?? '';
    for (const [outcome, limit] of [
      ['Complete', spec.successfulJobsHistoryLimit ?? 3],
      ['Failed', spec.failedJobsHistoryLimit ?? 1],
    ] as const) {
      const done = jobs.filter((j) => jobOutcome(j) === outcome && !j.metadata?.deletionTimestamp).sort((a, b) => startOf(a).localeCompare(startOf(b)));
      for (const j of done.slice(0, Math.max(0, done.length - limit))) {
        await this.client.delete(R.jobs, j.metadata!.namespace, j.metadata!.name!, { propagationPolicy: 'Background' }).catch(ignoreGone);
        this.events.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata!.name}`);
      }
    }
  }
}

const refTo = (j: KObject): ObjectRef => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata!.name, namespace: j.metadata!.namespace, uid: j.metadata!.uid, resourceVersion: j.metadata!.resourceVersion });

function ignoreGone(e: unknown) {
  if (isNotFound(e) || isConflict(e)) return undefined;
  throw e;
}
