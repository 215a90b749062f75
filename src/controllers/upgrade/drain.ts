// Draining a node as `kubectl drain --ignore-daemonsets --delete-emptydir-data` does, through the
// eviction API so PodDisruptionBudgets are respected: a 429 from the API server means a budget
// allows no disruption now, and the caller tries again later. Pods that need no eviction are left:
// DaemonSet pods (their controller would put them back), mirror pods, finished and terminating pods.

import type { KObject } from '../../api/kind.js';
import type { InformerLike } from '../../client/informer.js';
import { INDEX_NODE_NAME } from '../../client/indexer.js';
import { isNotFound, type RestClient } from '../../client/rest.js';

/** Pods on the node that a drain must still evict. */
export function podsToEvict(pods: InformerLike, node: string): KObject[] {
  return pods.byIndex(INDEX_NODE_NAME, node).filter((p) => {
    const phase = (p.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return false;
    if (p.metadata?.deletionTimestamp) return false;
    if (p.metadata?.annotations?.['kubernetes.io/config.mirror']) return false;
    return !p.metadata?.ownerReferences?.some((o) => o.controller && o.kind === 'DaemonSet');
  });
}

/** Asks to evict each pod; returns how many a budget refused (429) for now. */
export async function evictPods(client: RestClient, pods: KObject[]): Promise<number> {
  let blocked = 0;
  for (const p of pods) {
    const { namespace, name } = p.metadata!;
    try {
      await client.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace!)}/pods/${encodeURIComponent(name!)}/eviction`, {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace },
      });
    } catch (e) {
      if (isNotFound(e)) continue;
      if ((e as { code?: number }).code === 429) blocked++;
      else throw e;
    }
  }
  return blocked;
}
