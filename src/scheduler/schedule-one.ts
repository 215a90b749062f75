// One pod through the scheduler (kube's scheduleOne): take it off the queue, pick a node, assume it
// in the cache, run the plugins' reserve, and bind asynchronously (preBind, then the Binding) so the
// next pod's cycle need not wait for the API. When no node fits, try preemption, then report:
// PodScheduled=False, a FailedScheduling event, requeue. When reserve, preBind or the binding fails,
// unreserve, forget the assumed pod and retry after backoff.

import type { EventRecorder } from '../client/events.js';
import { isConflict, isNotFound, type RestClient } from '../client/rest.js';
import type { InformerLike } from '../client/informer.js';
import type { Logger } from '../util/log.js';
import { Algorithm, FitError } from './algorithm.js';
import { bind, deleteVictim, markUnschedulable } from './api-writes.js';
import { TokenBucket } from './event-budget.js';
import type { SchedulerCache } from './cache.js';
import type { CycleState, Framework } from './framework.js';
import { preemptionAttempts, preemptionVictims, profileOf, scheduleAttempts, schedulingDuration } from './metrics.js';
import { podInfo, type PodInfo } from './pod-info.js';
import { preempt, type PreemptionOutcome } from './plugins/default-preemption.js';
import type { QueuedPod, SchedulingQueue } from './queue.js';
import type { Pod } from './types.js';

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

export class PodScheduler {
  private algorithm: Algorithm;
  /** kube-scheduler's client budget for events: 50/s with bursts of 100. */
  private scheduledEvents = new TokenBucket(50, 100);

  constructor(
    private client: RestClient,
    private fw: Framework,
    private cache: SchedulerCache,
    private queue: SchedulingQueue,
    private pods: InformerLike,
    private events: EventRecorder,
    private log: Logger,
    percentageOfNodesToScore?: number,
    private onBound?: (podKey: string, node: string, timing: { cycleSeconds: number; seconds: number }) => void,
  ) {
    this.algorithm = new Algorithm(fw, cache, percentageOfNodesToScore);
  }

  scheduleOne(qp: QueuedPod) {
    const start = process.hrtime.bigint();
    const live = (this.pods.get(qp.key) as Pod | undefined) ?? qp.pod;
    if (live.spec?.nodeName || live.metadata?.deletionTimestamp || this.cache.isAssumed(qp.key) || !this.pods.get(qp.key)) {
      this.queue.done(qp.key);
      return;
    }
    let info: PodInfo;
    try {
      info = podInfo(live);
    } catch (e) {
      return this.fail(qp, live, start, `0/${this.cache.nodeList().length} nodes are available: ${(e as Error).message}.`, 'error');
    }
    let node: string;
    let state: CycleState;
    try {
      ({ node, state } = this.algorithm.schedule(info));
    } catch (e) {
      if (e instanceof FitError) return this.unschedulable(qp, info, e, start);
      return this.fail(qp, live, start, `0/${this.cache.nodeList().length} nodes are available: ${(e as Error).message}.`, 'error');
    }
    this.cache.assume(info, node);
    const reserved = this.fw.runReserve(state, info, node);
    if (reserved) {
      this.cache.forget(qp.key);
      return this.fail(qp, live, start, reserved.reasons.join(', '), 'error', undefined, true);
    }
    void this.bindAsync(qp, info, node, state, start, seconds(start));
  }

  private async bindAsync(qp: QueuedPod, info: PodInfo, node: string, state: CycleState, start: bigint, cycleSeconds: number) {
    const pod = info.pod;
    const preBound = await this.fw.runPreBind(state, info, node);
    if (preBound) {
      this.fw.runUnreserve(state, info, node);
      this.cache.forget(qp.key);
      this.log.info('pre-binding failed; retrying after backoff', { pod: qp.key, node, message: preBound.reasons.join(', ') });
      return this.fail(qp, pod, start, preBound.reasons.join(', '), 'error', undefined, true);
    }
    try {
      await bind(this.client, pod, node);
      const took = seconds(start);
      scheduleAttempts.inc({ result: 'scheduled', profile: profileOf(pod) });
      schedulingDuration.observe(took, { result: 'scheduled', profile: profileOf(pod) });
      this.onBound?.(qp.key, node, { cycleSeconds, seconds: took });
      this.queue.done(qp.key);
      this.log.debug('pod bound', { pod: qp.key, node, attempts: qp.attempts });
      if (this.scheduledEvents.take()) this.events.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${info.namespace}/${pod.metadata?.name} to ${node}`);
    } catch (e) {
      this.fw.runUnreserve(state, info, node);
      this.cache.forget(qp.key);
      scheduleAttempts.inc({ result: 'error', profile: profileOf(pod) });
      schedulingDuration.observe(seconds(start), { result: 'error', profile: profileOf(pod) });
      if (isNotFound(e) || (isConflict(e) && /already assigned|being deleted/.test((e as Error).message))) {
        this.queue.done(qp.key); // gone or placed by someone else: nothing to retry
        return;
      }
      this.log.warn('binding failed; retrying after backoff', { pod: qp.key, node, err: e });
      this.events.record(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${(e as Error).message}`);
      this.queue.requeue(qp, false);
    }
  }

  private unschedulable(qp: QueuedPod, info: PodInfo, err: FitError, start: bigint) {
    let message = err.message;
    let nominated: string | undefined;
    if (err.numNodes > 0) {
      preemptionAttempts.inc();
      let outcome: PreemptionOutcome;
      try {
        outcome = preempt(this.fw, this.cache, info, err.diagnosis);
      } catch (e) {
        outcome = { message: `preemption failed: ${(e as Error).message}` };
      }
      if (outcome.candidate) {
        nominated = outcome.candidate.node;
        this.cache.nominate(info, nominated);
        for (const v of outcome.candidate.victims) {
          preemptionVictims.inc();
          this.events.record(v.pod, 'Normal', 'Preempted', `Preempted by pod ${info.pod.metadata?.uid} on node ${nominated}`);
          deleteVictim(this.client, v.pod).catch((e) => {
            if (!isNotFound(e)) this.log.warn('deleting a preemption victim failed', { pod: v.key, err: e });
          });
        }
        this.log.info('preempting pods', { pod: qp.key, node: nominated, victims: outcome.candidate.victims.map((v) => v.key) });
      } else message += ` preemption: ${outcome.message}`;
    }
    this.fail(qp, info.pod, start, message, 'unschedulable', nominated);
  }

  private fail(qp: QueuedPod, pod: Pod, start: bigint, message: string, result: 'unschedulable' | 'error', nominated?: string, retry = false) {
    scheduleAttempts.inc({ result, profile: profileOf(pod) });
    schedulingDuration.observe(seconds(start), { result, profile: profileOf(pod) });
    this.log.info('pod is unschedulable', { pod: qp.key, attempts: qp.attempts, message });
    this.events.record(pod, 'Warning', 'FailedScheduling', message);
    markUnschedulable(this.client, pod, message, nominated, retry ? 'SchedulerError' : 'Unschedulable').catch((e) => {
      if (!isNotFound(e)) this.log.warn('updating PodScheduled failed', { pod: qp.key, err: e });
    });
    // Bad input is unschedulable too: it waits for the pod to change, not for a timer. A failed
    // reserve or preBind is not about the pod: it is retried after backoff.
    this.queue.requeue(qp, !retry);
  }
}
