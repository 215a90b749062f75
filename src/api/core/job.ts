// batch/v1 Job as the Job and CronJob controllers read and write it. Loose, like pod.ts.

import type { KObject } from '../kind.js';
import type { LabelSelectorObject } from '../labels.js';
import type { PodTemplateSpec } from './pod.js';

export interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

export interface JobSpec {
  parallelism?: number;
  completions?: number | null;
  completionMode?: string;
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
  ttlSecondsAfterFinished?: number;
  suspend?: boolean;
  /** Checked by the controller as it finds it (src/controllers/job/pod-failure-policy.ts). */
  podFailurePolicy?: unknown;
  selector?: LabelSelectorObject;
  manualSelector?: boolean;
  template?: PodTemplateSpec;
}

export interface JobStatus {
  active?: number;
  succeeded?: number;
  failed?: number;
  ready?: number;
  terminating?: number;
  startTime?: string;
  completionTime?: string;
  completedIndexes?: string;
  conditions?: JobCondition[];
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
}

export interface Job extends KObject {
  spec?: JobSpec;
  status?: JobStatus;
}
