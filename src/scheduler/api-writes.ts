// What the scheduler writes to the API: the binding, the PodScheduled=False condition (only when it
// changes, so retries do not churn the pod), the nominated node after preemption, and victims'
// deletion.

import { R } from '../client/resources.js';
import type { RestClient } from '../client/rest.js';
import { rfc3339 } from '../util/time.js';
import type { Pod } from './types.js';

const ns = (p: Pod) => p.metadata?.namespace ?? 'default';
const name = (p: Pod) => p.metadata?.name ?? '';

export function bind(client: RestClient, pod: Pod, node: string) {
  return client.request('POST', `/api/v1/namespaces/${encodeURIComponent(ns(pod))}/pods/${encodeURIComponent(name(pod))}/binding`, {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: name(pod), namespace: ns(pod), uid: pod.metadata?.uid },
    target: { apiVersion: 'v1', kind: 'Node', name: node },
  });
}

/** Sets PodScheduled=False (reason Unschedulable, or SchedulerError for failures such as volume binding) and, after preemption, status.nominatedNodeName. */
export async function markUnschedulable(client: RestClient, pod: Pod, message: string, nominatedNode?: string, reason: 'Unschedulable' | 'SchedulerError' = 'Unschedulable') {
  const cur = pod.status?.conditions?.find((c) => c?.type === 'PodScheduled');
  const sameCondition = cur?.status === 'False' && cur.reason === reason && cur.message === message;
  const sameNomination = nominatedNode === undefined || pod.status?.nominatedNodeName === nominatedNode;
  if (sameCondition && sameNomination) return;
  const now = rfc3339();
  await client.patch(
    R.pods,
    ns(pod),
    name(pod),
    {
      status: {
        conditions: [{ type: 'PodScheduled', status: 'False', reason, message, lastProbeTime: null, lastTransitionTime: cur?.status === 'False' ? (cur.lastTransitionTime ?? now) : now }],
        ...(nominatedNode !== undefined ? { nominatedNodeName: nominatedNode } : {}),
      },
    },
    'strategic',
    'status',
  );
}

export function deleteVictim(client: RestClient, pod: Pod) {
  return client.delete(R.pods, ns(pod), name(pod), { preconditions: { uid: pod.metadata?.uid } });
}
