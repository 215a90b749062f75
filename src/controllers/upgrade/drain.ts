// Draining a node as `kubectl drain --ignore-daemonsets --delete-emptydir-data` does, through the
// eviction API so PodDisruptionBudgets are respected: a 429 from the API server means a budget
// allows no disruption now, and the caller tries again later. Pods that need no eviction are left:
// DaemonSet pods (their controller would put them back), mirror pods, finished and terminating pods.
// spec.drain.timeout bounds the wait (drainDecision): pods still there after it stop the drain.

import type { Pod } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { ANNOTATION_MIRROR_POD } from '../../api/well-known.js';
import type { InformerLike } from '../../client/informer.js';
import { INDEX_NODE_NAME } from '../../client/indexer.js';
import { isNotFound, type RestClient, StatusError } from '../../client/rest.js';

/** Pods on the node that a drain must still evict. */
export function podsToEvict(pods: InformerLike, node: string): KObject[] {
  return pods.byIndex(INDEX_NODE_NAME, node).filter((p) => {
    const phase = (p as Pod).status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return false;
    if (p.metadata?.deletionTimestamp) return false;
    if (p.metadata?.annotations?.[ANNOTATION_MIRROR_POD]) return false;
    return !p.metadata?.ownerReferences?.some((o) => o.controller && o.kind === 'DaemonSet');
  });
}

/** A pod a drain could not evict now, and why (the eviction API's answer: the budget and its counts). */
export interface BlockedPod {
  pod: string;
  why: string;
}

/**
 * Asks to evict each pod; returns those a budget refused (429) for now, with the reason the API
 * server gave. With dryRun nothing is evicted: the answer says only whether each pod could be, and
 * why not (any refusal, not only a budget's).
 */
export async function evictPods(client: RestClient, pods: KObject[], opts: { dryRun?: boolean } = {}): Promise<BlockedPod[]> {
  const blocked: BlockedPod[] = [];
  for (const p of pods) {
    const { namespace, name } = p.metadata!;
    try {
      await client.request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace!)}/pods/${encodeURIComponent(name!)}/eviction`, {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name, namespace },
        ...(opts.dryRun ? { deleteOptions: { dryRun: ['All'] } } : {}),
      });
    } catch (e) {
      if (isNotFound(e)) continue;
      // A dry run reports every refusal (a pod under two budgets is a 500); a real drain retries later.
      if ((e as { code?: number }).code !== 429 && !opts.dryRun) throw e;
      const cause = e instanceof StatusError ? e.causes.find((c) => c.message)?.message : undefined;
      blocked.push({ pod: `${namespace}/${name}`, why: cause ?? (e as Error).message });
    }
  }
  return blocked;
}

export type DrainDecision = 'drained' | 'wait' | 'timedOut';

/**
 * What a node's drain does next: `drained` once no pod is left to evict (even after the timeout: a
 * drain that got there is not undone), `timedOut` when pods remain and the drain has run for its
 * timeout or longer, else `wait` (always, without a timeout: `kubectl drain` without --timeout).
 */
export function drainDecision(d: { now: number; startedAt: number; timeoutMs?: number; remaining: number }): DrainDecision {
  if (d.remaining === 0) return 'drained';
  if (d.timeoutMs === undefined || d.timeoutMs <= 0) return 'wait';
  return d.now - d.startedAt >= d.timeoutMs ? 'timedOut' : 'wait';
}
