// A ReplicaSet's status from the pods it owns (calculateStatus in Kubernetes' replica_set_utils):
// counts, plus a ReplicaFailure condition while pods cannot be created or deleted.

import { isPodAvailable, isPodReady } from './pod-state.js';
import { nowRfc3339, type Condition, type Pod, type ReplicaSet, type ReplicaSetStatus } from '../util/workload-types.js';

export function computeStatus(rs: ReplicaSet, pods: Pod[], failure?: { reason: 'FailedCreate' | 'FailedDelete'; message: string }, now = Date.now()): ReplicaSetStatus {
  const templateLabels = rs.spec.template?.metadata?.labels ?? {};
  const minReady = rs.spec.minReadySeconds ?? 0;
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const p of pods) {
    const labels = p.metadata.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fullyLabeled++;
    if (isPodReady(p)) ready++;
    if (isPodAvailable(p, minReady, now)) available++;
  }
  let conditions = (rs.status?.conditions ?? []).slice();
  const existing = conditions.find((c) => c.type === 'ReplicaFailure');
  if (failure && !existing) {
    const c: Condition = { type: 'ReplicaFailure', status: 'True', reason: failure.reason, message: failure.message, lastTransitionTime: nowRfc3339() };
    conditions.push(c);
  } else if (!failure && existing) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  const status: ReplicaSetStatus = {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata.generation,
  };
  if (conditions.length) status.conditions = conditions;
  return status;
}
