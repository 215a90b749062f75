// The Job controller: runs pods until enough succeed (completions, parallelism, NonIndexed or
// Indexed), or fails the Job on too many failures (backoffLimit), an exceeded activeDeadlineSeconds
// or a podFailurePolicy FailJob rule; suspends and resumes; deletes finished Jobs after
// ttlSecondsAfterFinished. Pods carry the job-tracking finalizer: a finished pod is first recorded
// in status.uncountedTerminatedPods, then released, then moved into the succeeded/failed counters,
// so that every pod is counted exactly once even across crashes and pod deletions.

import type { JobSpec, JobStatus } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { EventRecorder } from '../../client/events.js';
import { keyOf, type InformerLike } from '../../client/informer.js';
import { byControllerUid, INDEX_CONTROLLER_UID, INDEX_NAMESPACE } from '../../client/indexer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isConflict, isNotFound, type RestClient } from '../../client/rest.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { Controller, ownKey } from '../controller.js';
import { Expectations } from '../util/name-expectations.js';
import { controllerRef, isActive, isReady, isTerminal, nowRfc3339, ownedBy, phaseOf } from '../util/pod-state.js';
import { findCondition, isFinished, isTrue, setCondition } from './conditions.js';
import { formatIndexes, parseIndexes } from './indexes.js';
import { completionIndexOf, jobPod, TRACKING_FINALIZER } from './pod-template.js';
import { matchFailJob } from './pod-failure-policy.js';

/** Base of the back-off before replacing a failed pod (Kubernetes: 10s, doubling, at most 6m). */
/** The kubelet-like back-off of replacements after failures: 10 s, doubling (Kubernetes' default). */
export const DEFAULT_BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 6 * 60_000;

export class JobController extends Controller {
  private jobs: InformerLike;
  private pods: InformerLike;
  private expectations = new Expectations();
  private events: EventRecorder;
  /** When each job last saw its failure count grow, for the replacement back-off. */
  private lastFailure = new Map<string, { failed: number; at: number }>();

  private readonly backoffBaseMs: number;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
    opts: { backoffBaseMs?: number } = {},
  ) {
    super('job', log, factory, 4);
    this.backoffBaseMs = opts.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS;
    this.events = new EventRecorder(client, 'job-controller', log);
    this.jobs = this.informers.informer(R.jobs);
    this.pods = this.informers.informer(R.pods, {}, { [INDEX_CONTROLLER_UID]: byControllerUid });
    this.watch(this.jobs, ownKey);
    this.watch(this.pods, (old, o) => this.controllerOwnerKey((o ?? old)!, 'Job', this.jobs));
  }

  protected async reconcile(key: string) {
    let job = this.jobs.get(key);
    const [ns, name] = key.split('/');
    if (!job) {
      this.expectations.forget(key);
      this.lastFailure.delete(key);
      // Pods of a Job that is gone keep nothing to count: release them.
      const orphans = this.pods.byIndex(INDEX_NAMESPACE, ns).filter((p) => controllerRef(p)?.kind === 'Job' && controllerRef(p)?.name === name);
      for (const p of orphans) await this.release(p);
      return;
    }
    if (!this.expectations.satisfied(key, (k) => this.pods.get(k))) return;
    const spec = job.spec as JobSpec;
    const pods = ownedBy(this.pods.byIndex(INDEX_CONTROLLER_UID, job.metadata!.uid!), job);
    let status = structuredClone((job.status ?? {}) as JobStatus);
    const indexed = spec.completionMode === 'Indexed';
    const decided = isTrue(status.conditions, 'FailureTarget') || isTrue(status.conditions, 'SuccessCriteriaMet') || isFinished(status.conditions);

    // 1. Count finished pods exactly once (uncounted -> release finalizer -> counters).
    const uncounted = { succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])], failed: [...(status.uncountedTerminatedPods?.failed ?? [])] };
    let newlyUncounted = false;
    for (const p of pods) {
      if (!p.metadata?.finalizers?.includes(TRACKING_FINALIZER)) continue;
      if (!isTerminal(p) && !p.metadata.deletionTimestamp) continue;
      const uid = p.metadata.uid!;
      if (uncounted.succeeded.includes(uid) || uncounted.failed.includes(uid)) continue;
      // Pods stopped by the controller after the outcome was decided are not failures.
      if (decided && phaseOf(p) !== 'Succeeded') continue;
      (phaseOf(p) === 'Succeeded' ? uncounted.succeeded : uncounted.failed).push(uid);
      newlyUncounted = true;
    }
    if (newlyUncounted) job = await this.writeStatus(job, (status = { ...status, uncountedTerminatedPods: uncounted }));
    if (uncounted.succeeded.length || uncounted.failed.length) {
      const completed = parseIndexes(status.completedIndexes);
      for (const uid of uncounted.succeeded) {
        const p = pods.find((x) => x.metadata?.uid === uid);
        const i = p ? completionIndexOf(p) : undefined;
        if (indexed && i !== undefined && i < (spec.completions ?? 0)) completed.add(i);
      }
      for (const p of pods) if (uncounted.succeeded.includes(p.metadata!.uid!) || uncounted.failed.includes(p.metadata!.uid!)) await this.release(p);
      status = {
        ...status,
        succeeded: indexed ? completed.size : (status.succeeded ?? 0) + uncounted.succeeded.length,
        failed: (status.failed ?? 0) + uncounted.failed.length,
        uncountedTerminatedPods: {},
        ...(indexed ? { completedIndexes: formatIndexes(completed) } : {}),
      };
      job = await this.writeStatus(job, status);
    }
    // Pods deleted after the outcome was decided, or left over when finished, need no counting.
    for (const p of pods) if (p.metadata?.deletionTimestamp && decided) await this.release(p);

    if (isFinished(status.conditions)) return this.finished(key, job, pods);

    const now = Date.now();
    const active = pods.filter(isActive);
    const failed = status.failed ?? 0;
    if (!status.startTime && !spec.suspend) status.startTime = nowRfc3339(now);

    // 2. Decide the outcome.
    if (!isTrue(status.conditions, 'FailureTarget') && !isTrue(status.conditions, 'SuccessCriteriaMet')) {
      const failJob = matchFailJob(
        spec.podFailurePolicy,
        pods.filter((p) => phaseOf(p) === 'Failed'),
      );
      const deadline = spec.activeDeadlineSeconds !== undefined && status.startTime && !spec.suspend ? Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000 : undefined;
      if (failJob) status.conditions = setCondition(status.conditions, 'FailureTarget', 'True', 'PodFailurePolicy', failJob);
      else if (failed > (spec.backoffLimit ?? 6)) status.conditions = setCondition(status.conditions, 'FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
      else if (deadline !== undefined && now >= deadline) status.conditions = setCondition(status.conditions, 'FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline');
      else if (this.succeededEnough(spec, status, active.length)) status.conditions = setCondition(status.conditions, 'SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods');
      else if (deadline !== undefined) this.queue.addAfter(key, deadline - now + 10);
    }

    const target = findCondition(status.conditions, 'FailureTarget');
    const success = findCondition(status.conditions, 'SuccessCriteriaMet');
    if (target?.status === 'True' || success?.status === 'True') {
      await this.deletePods(key, job, active);
      if (active.length === 0) {
        if (success?.status === 'True') {
          status.conditions = setCondition(status.conditions, 'Complete', 'True', success.reason!, success.message!);
          status.completionTime = nowRfc3339();
          this.events.record(job, 'Normal', 'Completed', 'Job completed');
        } else {
          status.conditions = setCondition(status.conditions, 'Failed', 'True', target!.reason!, target!.message!);
          this.events.record(job, 'Warning', target!.reason!, target!.message!);
        }
      }
    } else if (spec.suspend) {
      await this.deletePods(key, job, active);
      if (!isTrue(status.conditions, 'Suspended')) {
        status.conditions = setCondition(status.conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended');
        this.events.record(job, 'Normal', 'Suspended', 'Job suspended');
      }
    } else {
      if (isTrue(status.conditions, 'Suspended')) {
        status.conditions = setCondition(status.conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed');
        status.startTime = nowRfc3339(now);
        this.events.record(job, 'Normal', 'Resumed', 'Job resumed');
      }
      await this.scale(key, job, spec, status, active, failed);
    }

    const stopping = target?.status === 'True' || success?.status === 'True' || spec.suspend;
    status.active = stopping ? 0 : active.length;
    status.ready = stopping ? 0 : active.filter(isReady).length;
    if (!deepEqual(status, job.status ?? {})) await this.writeStatus(job, status);
  }

  private succeededEnough(spec: JobSpec, status: JobStatus, active: number): boolean {
    const succeeded = status.succeeded ?? 0;
    if (spec.completionMode === 'Indexed') return parseIndexes(status.completedIndexes).size >= (spec.completions ?? 1);
    if (spec.completions === undefined || spec.completions === null) return succeeded > 0 && active === 0;
    return succeeded >= spec.completions;
  }

  /** Creates (or removes) pods toward min(parallelism, what is left to complete). */
  private async scale(key: string, job: KObject, spec: JobSpec, status: JobStatus, active: KObject[], failed: number) {
    const parallelism = spec.parallelism ?? 1;
    const succeeded = status.succeeded ?? 0;
    let toCreate: (number | undefined)[] = [];
    if (spec.completionMode === 'Indexed') {
      const done = parseIndexes(status.completedIndexes);
      const running = new Set(active.map(completionIndexOf));
      const pending: number[] = [];
      for (let i = 0; i < (spec.completions ?? 1); i++) if (!done.has(i) && !running.has(i)) pending.push(i);
      toCreate = pending.slice(0, Math.max(0, parallelism - active.length));
    } else {
      const want = spec.completions === undefined || spec.completions === null ? (succeeded > 0 ? 0 : parallelism) : Math.min(parallelism, spec.completions - succeeded);
      if (active.length > want) {
        const extra = [...active].sort((a, b) => (b.metadata!.creationTimestamp ?? '').localeCompare(a.metadata!.creationTimestamp ?? '')).slice(0, active.length - want);
        await this.deletePods(key, job, extra);
        active.splice(0, active.length, ...active.filter((p) => !extra.includes(p)));
      }
      toCreate = new Array(Math.max(0, want - active.length)).fill(undefined);
    }
    if (toCreate.length === 0) return;
    const wait = this.backoffRemaining(key, failed);
    if (wait > 0) {
      this.queue.addAfter(key, wait);
      return;
    }
    await Promise.all(
      toCreate.map(async (index) => {
        const pod = await this.client.create(R.pods, job.metadata!.namespace, jobPod(job, index));
        this.expectations.expectCreate(key, keyOf(pod));
        active.push(pod);
        this.events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata!.name}`);
      }),
    );
  }

  private backoffRemaining(key: string, failed: number): number {
    if (failed === 0) return 0;
    const seen = this.lastFailure.get(key);
    if (!seen || seen.failed !== failed) {
      this.lastFailure.set(key, { failed, at: Date.now() });
      if (!seen) return Math.min(this.backoffBaseMs, BACKOFF_MAX_MS);
    }
    const at = this.lastFailure.get(key)!.at;
    const delay = Math.min(this.backoffBaseMs * 2 ** (failed - 1), BACKOFF_MAX_MS);
    return at + delay - Date.now();
  }

  private async deletePods(key: string, job: KObject, pods: KObject[]) {
    for (const p of pods) {
      if (p.metadata?.deletionTimestamp) continue;
      this.expectations.expectDelete(key, keyOf(p));
      await this.client.delete(R.pods, p.metadata!.namespace, p.metadata!.name!).catch(ignoreGone);
      this.events.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata!.name}`);
    }
  }

  /** Removes the tracking finalizer, keeping any others. */
  private async release(pod: KObject) {
    const finalizers = pod.metadata?.finalizers ?? [];
    if (!finalizers.includes(TRACKING_FINALIZER)) return;
    const rest = finalizers.filter((f) => f !== TRACKING_FINALIZER);
    await this.client
      .patch(
        R.pods,
        pod.metadata!.namespace,
        pod.metadata!.name!,
        [
          { op: 'test', path: '/metadata/uid', value: pod.metadata!.uid },
          { op: 'replace', path: '/metadata/finalizers', value: rest },
        ],
        'json',
      )
      .catch(ignoreGone);
  }

  /** A finished Job: release leftovers and delete it once ttlSecondsAfterFinished has passed. */
  private async finished(key: string, job: KObject, pods: KObject[]) {
    for (const p of pods) await this.release(p);
    const ttl = (job.spec as JobSpec).ttlSecondsAfterFinished;
    if (ttl === undefined || ttl === null || job.metadata?.deletionTimestamp) return;
    const status = job.status as JobStatus;
    const c = findCondition(status.conditions, 'Complete')?.status === 'True' ? findCondition(status.conditions, 'Complete') : findCondition(status.conditions, 'Failed');
    const finishedAt = Date.parse(status.completionTime ?? c?.lastTransitionTime ?? nowRfc3339());
    const expiresIn = finishedAt + ttl * 1000 - Date.now();
    if (expiresIn > 0) {
      this.queue.addAfter(key, expiresIn + 10);
      return;
    }
    this.log.info('deleting finished job after its TTL', { job: key, ttlSecondsAfterFinished: ttl });
    await this.client.delete(R.jobs, job.metadata!.namespace, job.metadata!.name!, { propagationPolicy: 'Background', preconditions: { uid: job.metadata!.uid } }).catch(ignoreGone);
  }

  private async writeStatus(job: KObject, status: JobStatus): Promise<KObject> {
    return this.client.update(R.jobs, { ...job, status }, 'status');
  }
}

function ignoreGone(e: unknown) {
  if (isNotFound(e) || isConflict(e)) return undefined;
  throw e;
}
