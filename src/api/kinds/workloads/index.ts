// Workload kinds: pods and pod templates (core/v1), apps/v1, batch/v1. Other kinds embed their
// schemas: `podTemplateSpec` and `podSpec` (pod-spec.ts), `persistentVolumeClaimSpec` (pvc.ts).
import type { KindDef } from '../../kind.js';
import { controllerRevision } from './controllerrevision.js';
import { cronJob } from './cronjob.js';
import { daemonSet } from './daemonset.js';
import { deployment } from './deployment.js';
import { job } from './job.js';
import { pod } from './pod.js';
import { podTemplate } from './pod-template.js';
import { replicaSet } from './replicaset.js';
import { replicationController } from './replicationcontroller.js';
import { statefulSet } from './statefulset.js';

export { podSpec, podTemplateSpec } from './pod-spec.js';
export { container, ephemeralContainer } from './container.js';
export { volume } from './volumes.js';
export { persistentVolumeClaimSpec, persistentVolumeClaimTemplate } from './pvc.js';
export { defaultPodSpec, defaultPodTemplate, defaultPullPolicy } from './pod-defaults.js';
export { validatePodSpec, validatePodTemplateSpec } from './pod-validation.js';
export { summarizePod } from './pod-printing.js';
export { parseCronSchedule, cronScheduleError, type CronSchedule } from './cron.js';
export { pod, podTemplate, deployment, replicaSet, replicationController, statefulSet, daemonSet, controllerRevision, job, cronJob };

export const workloadKinds: KindDef[] = [pod, podTemplate, replicationController, deployment, replicaSet, statefulSet, daemonSet, controllerRevision, job, cronJob];
