// The pod a Job runs: its template plus the labels that tie it to the Job, the tracking finalizer
// (so a pod is counted exactly once even if it is deleted before the controller sees it finish),
// and for Indexed jobs the completion index as annotation, label, hostname and environment.

import type { Job } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { ownerRefTo } from '../util/pod-state.js';

export const TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';

export function jobPod(job: KObject, index: number | undefined): KObject {
  const t = structuredClone((job as Job).spec!.template!);
  const name = job.metadata!.name!;
  const labels = { ...(t.metadata?.labels ?? {}) };
  const annotations = { ...(t.metadata?.annotations ?? {}) };
  const podSpec = t.spec!;
  if (index !== undefined) {
    annotations[COMPLETION_INDEX] = String(index);
    labels[COMPLETION_INDEX] = String(index);
    podSpec.hostname ??= `${name}-${index}`;
    const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.labels['${COMPLETION_INDEX}']` } } };
    for (const list of ['initContainers', 'containers'] as const) {
      for (const c of podSpec[list] ?? []) {
        if (!(c.env ?? []).some((e) => e.name === env.name)) c.env = [...(c.env ?? []), env];
      }
    }
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
      namespace: job.metadata!.namespace,
      labels,
      annotations,
      finalizers: [TRACKING_FINALIZER],
      ownerReferences: [ownerRefTo(job, 'batch/v1', 'Job')],
    },
    spec: podSpec,
  };
}

export function completionIndexOf(pod: KObject): number | undefined {
  const v = pod.metadata?.annotations?.[COMPLETION_INDEX] ?? pod.metadata?.labels?.[COMPLETION_INDEX];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}
