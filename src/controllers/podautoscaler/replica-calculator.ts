// The HPA's replica calculation, as Kubernetes' replica calculator does it, as pure functions over
// the pods of the target (from the shared cache) and the metric figures already fetched: no I/O, the
// clock passed in. Values are milli-units (Kubernetes' MilliValue), utilizations whole percents.
// Pods are grouped first: deleted or Failed pods are ignored, Pending (and, for cpu, not yet ready
// within the initialization period) pods are "unready", running pods without a figure "missing".
// Missing pods count as 0 on a scale up and as their full request (or the target) on a scale down,
// unready pods as 0 on a scale up; a result that would flip the direction keeps the current count.

import type { PodCondition, PodSpec } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import { parseQuantity } from '../../api/quantity.js';

export class PlanError extends Error {}

export interface PodMetric {
  /** The figure in milli-units (cpu: millicores, memory: milli-bytes, a custom metric: its milli-value). */
  value: number;
  /** When the figure was taken (ms since the epoch). */
  timestamp: number;
  /** The window it was taken over (ms). */
  windowMs: number;
}

export type PodMetrics = Map<string, PodMetric>;

/** Usage ratios within [1 - down, 1 + up] do not scale (Kubernetes' --horizontal-pod-autoscaler-tolerance, 0.1). */
export interface Tolerances {
  down: number;
  up: number;
}

export const DEFAULT_TOLERANCE = 0.1;
export const defaultTolerances = (t = DEFAULT_TOLERANCE): Tolerances => ({ down: t, up: t });
const within = (t: Tolerances, ratio: number) => 1 - t.down <= ratio && ratio <= 1 + t.up;

export interface Readiness {
  /** --horizontal-pod-autoscaler-cpu-initialization-period (5 min). */
  cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay (30 s). */
  delayOfInitialReadinessStatusMs: number;
  now: number;
}

export const DEFAULT_CPU_INITIALIZATION_PERIOD_MS = 5 * 60_000;
export const DEFAULT_INITIAL_READINESS_DELAY_MS = 30_000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const MAX_INT32 = 2 ** 31 - 1;
const int32 = (n: number) => (n > MAX_INT32 ? MAX_INT32 : Math.trunc(n));

/** Go's Quantity.MilliValue(): the value in thousandths, rounded up. */
export function milliValue(q: unknown): number {
  const v = parseQuantity(q as string | number) * 1000;
  const r = Math.round(v);
  // Binary floating point: 0.1 * 1000 must stay 100, not become 101 by rounding up 100.00000000000001.
  return Math.abs(v - r) < 1e-6 ? r : Math.ceil(v);
}

const podName = (p: KObject) => p.metadata?.name ?? '';
const status = (p: KObject) => (isObj(p.status) ? p.status : {});
const phaseOf = (p: KObject) => status(p).phase as string | undefined;
const time = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : Number.NaN);

function readyCondition(p: KObject): PodCondition | undefined {
  const conds = status(p).conditions;
  if (!Array.isArray(conds)) return undefined;
  return conds.find((c) => isObj(c) && c.type === 'Ready') as PodCondition | undefined;
}

export const isPodReady = (p: KObject) => readyCondition(p)?.status === 'True';

export interface PodGroups {
  readyPodCount: number;
  unready: Set<string>;
  missing: Set<string>;
  ignored: Set<string>;
}

/** Kubernetes' groupPods: which pods count, which are unready, missing a figure or ignored. */
export function groupPods(pods: KObject[], metrics: PodMetrics, resource: string, r: Readiness): PodGroups {
  const g: PodGroups = { readyPodCount: 0, unready: new Set(), missing: new Set(), ignored: new Set() };
  for (const pod of pods) {
    const name = podName(pod);
    if (pod.metadata?.deletionTimestamp || phaseOf(pod) === 'Failed') {
      g.ignored.add(name);
      continue;
    }
    if (phaseOf(pod) === 'Pending') {
      g.unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (!metric) {
      g.missing.add(name);
      continue;
    }
    if (resource === 'cpu') {
      const cond = readyCondition(pod);
      const start = time(status(pod).startTime);
      let unready: boolean;
      if (!cond || Number.isNaN(start)) unready = true;
      else {
        const transition = time(cond.lastTransitionTime);
        const t = Number.isNaN(transition) ? 0 : transition;
        if (start + r.cpuInitializationPeriodMs > r.now) {
          // Still initializing: a sample taken before a full window since the last transition is not trusted.
          unready = cond.status === 'False' || metric.timestamp < t + metric.windowMs;
        } else {
          // Past initialization: ignored only if it never became ready after its initial readiness delay.
          unready = cond.status === 'False' && start + r.delayOfInitialReadinessStatusMs > t;
        }
      }
      if (unready) {
        g.unready.add(name);
        continue;
      }
    }
    g.readyPodCount++;
  }
  return g;
}

/** Each pod's request of resource (all containers, sidecar init containers included, or the one named), milli-units. */
export function calculateRequests(pods: KObject[], container: string, resource: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const pod of pods) {
    const spec: Pick<PodSpec, 'containers' | 'initContainers'> = isObj(pod.spec) ? pod.spec : {};
    const containers = [...(Array.isArray(spec.containers) ? spec.containers : []), ...(Array.isArray(spec.initContainers) ? spec.initContainers : []).filter((c) => c?.restartPolicy === 'Always')];
    let request = 0;
    let found = false;
    for (const c of containers) {
      if (!isObj(c)) continue;
      if (container === '' || container === c.name) {
        const q = c.resources?.requests?.[resource];
        if (q === undefined || q === null) throw new PlanError(`missing request for ${resource} in container ${c.name ?? ''} of Pod ${podName(pod)}`);
        try {
          request += milliValue(q);
        } catch {
          throw new PlanError(`missing request for ${resource} in container ${c.name ?? ''} of Pod ${podName(pod)}`);
        }
      }
      if (container !== '' && container === c.name) {
        found = true;
        break;
      }
    }
    if (container !== '' && !found) throw new PlanError(`container ${container} not found in Pod ${podName(pod)}`);
    out.set(podName(pod), request);
  }
  return out;
}

/** Utilization of the pods that have both a figure and a request: the ratio to target, the whole percent, the raw average. */
export function resourceUtilizationRatio(metrics: PodMetrics, requests: Map<string, number>, targetUtilization: number) {
  let metricsTotal = 0;
  let requestsTotal = 0;
  let n = 0;
  for (const [name, m] of metrics) {
    const req = requests.get(name);
    if (req === undefined) continue; // extraneous figures (pods not selected)
    metricsTotal += m.value;
    requestsTotal += req;
    n++;
  }
  if (requestsTotal === 0) throw new PlanError('no metrics returned matched known pods');
  const utilization = Math.trunc((metricsTotal * 100) / requestsTotal);
  return { ratio: utilization / targetUtilization, utilization, rawAverage: Math.trunc(metricsTotal / n) };
}

export function metricUsageRatio(metrics: PodMetrics, targetUsage: number) {
  let total = 0;
  for (const m of metrics.values()) total += m.value;
  const usage = Math.trunc(total / metrics.size);
  return { ratio: usage / targetUsage, usage };
}

export interface PodsInput {
  currentReplicas: number;
  pods: KObject[];
  metrics: PodMetrics;
  tolerances: Tolerances;
  readiness: Readiness;
}

/** A Resource/ContainerResource metric with a Utilization target. */
export function resourceReplicas(inp: PodsInput & { targetUtilization: number; resource: string; container: string }) {
  const { currentReplicas, pods, tolerances } = inp;
  if (pods.length === 0) throw new PlanError('no pods returned by selector while calculating replica count');
  const metrics = new Map(inp.metrics);
  const g = groupPods(pods, metrics, inp.resource, inp.readiness);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (metrics.size === 0) throw new PlanError('did not receive metrics for targeted pods (pods might be unready)');
  const requests = calculateRequests(pods, inp.container, inp.resource);
  const { ratio, utilization, rawAverage } = resourceUtilizationRatio(metrics, requests, inp.targetUtilization);
  const result = (replicas: number) => ({ replicas, utilization, rawAverage });
  const scaleUpWithUnready = g.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (within(tolerances, ratio)) return result(currentReplicas);
    return result(int32(Math.ceil(ratio * g.readyPodCount)));
  }
  if (g.missing.size > 0) {
    if (ratio < 1) {
      // Scale down: a pod without a figure counts as using all of its request (or the target, above 100%).
      const fallback = Math.max(100, inp.targetUtilization);
      for (const n of g.missing) metrics.set(n, { value: Math.trunc(((requests.get(n) ?? 0) * fallback) / 100), timestamp: 0, windowMs: 0 });
    } else if (ratio > 1) {
      for (const n of g.missing) metrics.set(n, { value: 0, timestamp: 0, windowMs: 0 });
    }
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, timestamp: 0, windowMs: 0 });
  const next = resourceUtilizationRatio(metrics, requests, inp.targetUtilization).ratio;
  if (within(tolerances, next) || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return result(currentReplicas);
  const replicas = int32(Math.ceil(next * metrics.size));
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}

/** A Pods metric, or a Resource metric with an AverageValue target: the average figure against the target. */
export function plainMetricReplicas(inp: PodsInput & { targetUsage: number; resource: string }) {
  const { currentReplicas, pods, tolerances, targetUsage } = inp;
  if (pods.length === 0) throw new PlanError('no pods returned by selector while calculating replica count');
  const metrics = new Map(inp.metrics);
  const g = groupPods(pods, metrics, inp.resource, inp.readiness);
  for (const n of [...g.ignored, ...g.unready]) metrics.delete(n);
  if (metrics.size === 0) throw new PlanError('did not receive metrics for targeted pods (pods might be unready)');
  const { ratio, usage } = metricUsageRatio(metrics, targetUsage);
  const result = (replicas: number) => ({ replicas, usage });
  const scaleUpWithUnready = g.unready.size > 0 && ratio > 1;
  if (!scaleUpWithUnready && g.missing.size === 0) {
    if (within(tolerances, ratio)) return result(currentReplicas);
    return result(int32(Math.ceil(ratio * g.readyPodCount)));
  }
  if (g.missing.size > 0) {
    // Scale down: a pod without a figure counts as exactly at target; scale up: as zero.
    if (ratio < 1) for (const n of g.missing) metrics.set(n, { value: targetUsage, timestamp: 0, windowMs: 0 });
    else if (ratio > 1) for (const n of g.missing) metrics.set(n, { value: 0, timestamp: 0, windowMs: 0 });
  }
  if (scaleUpWithUnready) for (const n of g.unready) metrics.set(n, { value: 0, timestamp: 0, windowMs: 0 });
  const next = metricUsageRatio(metrics, targetUsage).ratio;
  if (within(tolerances, next) || (ratio < 1 && next > 1) || (ratio > 1 && next < 1)) return result(currentReplicas);
  const replicas = int32(Math.ceil(next * metrics.size));
  if ((next < 1 && replicas > currentReplicas) || (next > 1 && replicas < currentReplicas)) return result(currentReplicas);
  return result(replicas);
}

/** Running and Ready pods (the base an Object/External Value target multiplies). */
export function readyPodsCount(pods: KObject[]): number {
  if (pods.length === 0) throw new PlanError('unable to calculate ready pods: no pods returned by selector while calculating replica count');
  return pods.filter((p) => phaseOf(p) === 'Running' && isPodReady(p)).length;
}

/** Object/External Value target: the ratio times the ready pods; from zero replicas the ratio itself (scale from zero). */
export function usageRatioReplicas(currentReplicas: number, usageRatio: number, tolerances: Tolerances, pods: KObject[]): number {
  if (currentReplicas === 0) return int32(Math.ceil(usageRatio));
  if (within(tolerances, usageRatio)) return currentReplicas;
  return int32(Math.ceil(usageRatio * readyPodsCount(pods)));
}

/** Object/External AverageValue target: total usage over the per-pod target; the reported usage is per current replica. */
export function perPodReplicas(statusReplicas: number, totalUsage: number, targetPerPod: number, tolerances: Tolerances) {
  let replicas = statusReplicas;
  const ratio = totalUsage / (targetPerPod * statusReplicas);
  if (!within(tolerances, ratio)) replicas = int32(Math.ceil(totalUsage / targetPerPod));
  // No replicas in the scale's status yet: the usage is the total (there is nothing to divide by).
  return { replicas, usage: statusReplicas > 0 ? Math.ceil(totalUsage / statusReplicas) : totalUsage };
}
