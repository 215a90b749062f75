// Pod state as workload controllers read it: active, terminal, ready, available; and the
// controller owner reference every object a controller creates carries.

import { rfc3339 } from '../../util/time.js';
import type { PodCondition, PodStatus } from '../../api/core/index.js';
import type { KObject, OwnerReference } from '../../api/kind.js';

export type { PodCondition };

const statusOf = (pod: KObject) => pod.status as PodStatus | undefined;

export const phaseOf = (pod: KObject) => statusOf(pod)?.phase ?? 'Pending';

export const isTerminal = (pod: KObject) => phaseOf(pod) === 'Succeeded' || phaseOf(pod) === 'Failed';

/** Counts toward a controller's replicas: not finished and not being deleted. */
export const isActive = (pod: KObject) => !isTerminal(pod) && !pod.metadata?.deletionTimestamp;

export function readyCondition(pod: KObject): PodCondition | undefined {
  return (statusOf(pod)?.conditions ?? []).find((c) => c.type === 'Ready');
}

export const isReady = (pod: KObject) => readyCondition(pod)?.status === 'True';

export const isRunningAndReady = (pod: KObject) => phaseOf(pod) === 'Running' && isReady(pod);

/** Ready for at least minReadySeconds. */
export function isAvailable(pod: KObject, minReadySeconds = 0, now = Date.now()): boolean {
  const c = readyCondition(pod);
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : 0;
  return since + minReadySeconds * 1000 <= now;
}

export function controllerRef(o: KObject): OwnerReference | undefined {
  return o.metadata?.ownerReferences?.find((r) => r.controller === true);
}

export function ownerRefTo(owner: KObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata!.name!, uid: owner.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

/** Objects in the owner's namespace controlled by it. */
export function ownedBy<T extends KObject>(objs: T[], owner: KObject): T[] {
  const uid = owner.metadata?.uid;
  return objs.filter((o) => o.metadata?.namespace === owner.metadata?.namespace && controllerRef(o)?.uid === uid);
}

export const nowRfc3339 = (ms = Date.now()) => rfc3339(ms);
