// The scheduler's Prometheus metrics: kube-scheduler's names, labels and buckets where it has them.

import { metrics } from '../util/metrics.js';
import type { Pod } from './types.js';

export const scheduleAttempts = metrics.counter('scheduler_schedule_attempts_total', 'Scheduling attempts by result (scheduled, unschedulable, error) and profile.');
/** kube-scheduler's buckets: 1 ms doubling to about 16 s. */
export const schedulingDuration = metrics.histogram(
  'scheduler_scheduling_attempt_duration_seconds',
  'Seconds from taking a pod off the queue to its bind being acknowledged (or the attempt failing), by result and profile.',
  Array.from({ length: 15 }, (_, i) => 0.001 * 2 ** i),
);
export const preemptionAttempts = metrics.counter('scheduler_preemption_attempts_total', 'Preemption attempts.');
export const preemptionVictims = metrics.counter('scheduler_preemption_victims_total', 'Pods evicted to make room for higher-priority ones.');

/** The profile label: the scheduler name the pod asked for (each gifee scheduler runs one profile). */
export const profileOf = (pod: Pod | undefined) => pod?.spec?.schedulerName ?? 'default-scheduler';
