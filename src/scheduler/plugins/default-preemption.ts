// DefaultPreemption (kube's PostFilter): when no node fits, find a node where evicting pods of lower
// priority makes room. For each node that failed for a reason eviction could fix, remove every
// lower-priority pod, check the pod fits, then give back ("reprieve") as many victims as possible,
// highest priority first. The best candidate evicts the lowest-priority, then fewest, pods.

import { clusterView, reasonHistogram, type Diagnosis } from '../algorithm.js';
import type { SchedulerCache } from '../cache.js';
import { CycleState, type Framework, type Status } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import type { PodInfo } from '../pod-info.js';

export const NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_VICTIMS = 'No preemption victims found for incoming pod';

export interface Candidate {
  node: string;
  victims: PodInfo[];
}

export interface PreemptionOutcome {
  candidate?: Candidate;
  /** kube's wording, appended to the FailedScheduling message after "preemption: ". */
  message: string;
}

function fits(fw: Framework, cache: SchedulerCache, pod: PodInfo, node: NodeInfo): Status | undefined {
  // Re-run preFilter against the what-if node: affinity and spread counts depend on its pods.
  const nodes = cache.nodeList().map((n) => (n.name === node.name ? node : n));
  const state = new CycleState();
  const pre = fw.runPreFilter(state, pod, clusterView(cache, nodes));
  return pre ?? fw.runFilter(state, pod, node);
}

const byPriorityDesc = (a: PodInfo, b: PodInfo) => b.priority - a.priority || String(a.pod.metadata?.creationTimestamp ?? '').localeCompare(String(b.pod.metadata?.creationTimestamp ?? ''));

function victimsOn(fw: Framework, cache: SchedulerCache, pod: PodInfo, original: NodeInfo): { victims?: PodInfo[]; reason?: string } {
  const node = original.clone();
  const lower = [...node.pods.values()].filter((p) => p.priority < pod.priority).sort(byPriorityDesc);
  if (lower.length === 0) return { reason: NO_VICTIMS };
  for (const p of lower) node.removePod(p.key);
  for (const p of cache.nominatedOn(node.name, pod.priority, pod.key)) node.addPod(p);
  const s = fits(fw, cache, pod, node);
  if (s) return { reason: s.reasons.join(', ') };
  const victims: PodInfo[] = [];
  for (const p of lower) {
    node.addPod(p);
    if (fits(fw, cache, pod, node)) {
      node.removePod(p.key);
      victims.push(p);
    }
  }
  return { victims };
}

export function preempt(fw: Framework, cache: SchedulerCache, pod: PodInfo, d: Diagnosis): PreemptionOutcome {
  if (pod.pod.spec?.preemptionPolicy === 'Never') return { message: 'not eligible due to preemptionPolicy=Never.' };
  const nodes = cache.nodeList();
  if (nodes.length === 0) return { message: 'no nodes available.' };
  // Victims chosen earlier are still shutting down: wait for them rather than evicting more.
  const nominated = cache.nominated.get(pod.key)?.node ?? pod.pod.status?.nominatedNodeName;
  const nominatedNode = nominated ? cache.nodes.get(nominated) : undefined;
  if (nominatedNode && [...nominatedNode.pods.values()].some((p) => p.pod.metadata?.deletionTimestamp && p.priority < pod.priority)) {
    return { message: 'not eligible due to a terminating pod on the nominated node.' };
  }
  const reasons: string[] = [];
  const candidates: Candidate[] = [];
  // kube's candidate budget: 10% of the nodes, at least 100 (all of a small cluster).
  const want = Math.max(100, Math.floor(nodes.length / 10));
  for (const n of nodes) {
    const s = d.preFilter ?? d.statuses.get(n.name);
    if (!s || s.code === 'UnschedulableAndUnresolvable') {
      reasons.push(NOT_HELPFUL);
      continue;
    }
    if (candidates.length >= want) continue;
    const r = victimsOn(fw, cache, pod, n);
    if (r.victims) candidates.push({ node: n.name, victims: r.victims });
    else reasons.push(r.reason!);
  }
  if (candidates.length === 0) return { message: `0/${nodes.length} nodes are available: ${reasonHistogram(reasons)}.` };
  const rank = (c: Candidate) => [Math.max(...c.victims.map((v) => v.priority), -Infinity), c.victims.reduce((s, v) => s + v.priority, 0), c.victims.length];
  candidates.sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2];
  });
  const best = candidates[0];
  return { candidate: best, message: `preempting ${best.victims.length} pod(s) on node ${best.node}.` };
}
