// The scheduler's Prometheus metrics (names as kube-scheduler's where they exist).

import { metrics } from '../util/metrics.js';

export const scheduleAttempts = metrics.counter('scheduler_schedule_attempts_total', 'Scheduling attempts by result: scheduled, unschedulable, error.');
export const schedulingDuration = metrics.histogram('scheduler_scheduling_duration_seconds', 'Time from taking a pod off the queue to its bind being acknowledged (or the attempt failing), by result.');
export const preemptionAttempts = metrics.counter('scheduler_preemption_attempts_total', 'Preemption attempts.');
export const preemptionVictims = metrics.counter('scheduler_preemption_victims_total', 'Pods evicted to make room for higher-priority ones.');
