// The desired replica count of every metric of an HPA and the highest of them, with each metric's
// status and, on failure, the ScalingActive condition and the events Kubernetes records
// (FailedGetResourceMetric, FailedGetPodsMetric, ...), worded as kube-controller-manager words them.
// The figures come from a MetricsSource; the pods from the shared cache; the arithmetic is the
// replica calculator's.

import type { KObject } from '../../api/kind.js';
import { canonicalQuantity } from '../../api/quantity-canonical.js';
import { labelSelectorToString, type LabelSelectorObject } from '../../api/labels.js';
import type { MetricsSource } from './metrics-client.js';
import { milliValue, perPodReplicas, plainMetricReplicas, type Readiness, resourceReplicas, type Tolerances, usageRatioReplicas } from './replica-calculator.js';
import type { Condition } from './conditions.js';

type Obj = Record<string, unknown>;

export interface MetricTarget {
  type?: string;
  value?: string;
  averageValue?: string;
  averageUtilization?: number;
}
export interface MetricIdentifier {
  name: string;
  selector?: LabelSelectorObject | null;
}
export interface ObjectRef {
  apiVersion?: string;
  kind: string;
  name: string;
}
export interface MetricSpec {
  type: string;
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
  pods?: { metric: MetricIdentifier; target: MetricTarget };
  object?: { describedObject: ObjectRef; metric: MetricIdentifier; target: MetricTarget };
  external?: { metric: MetricIdentifier; target: MetricTarget };
}
export type MetricStatus = Obj & { type: string };

export interface ComputeInput {
  namespace: string;
  metrics: MetricSpec[];
  specReplicas: number;
  statusReplicas: number;
  /** The scale's selector string. */
  selector: string;
  /** The pods the selector selects (from the cache). */
  pods: KObject[];
  source: MetricsSource;
  tolerances: Tolerances;
  readiness: Readiness;
  /** Records a Warning event on the HPA. */
  warn(reason: string, message: string): void;
}

export interface ComputeResult {
  /** -1 when no metric could be computed (or some failed and the others would scale down). */
  replicas: number;
  metric: string;
  statuses: MetricStatus[];
  /** The ScalingActive condition to set. */
  condition: Condition;
  error?: string;
}

/** A milli-value as Kubernetes prints resource.NewMilliQuantity(v, DecimalSI). */
export const milliQuantity = (v: number) => canonicalQuantity(`${Math.trunc(v)}m`) ?? `${Math.trunc(v)}m`;

/** Go's %+v of a *metav1.LabelSelector, as Kubernetes puts it in external metric names and errors. */
export function goLabelSelector(sel: LabelSelectorObject | null | undefined): string {
  if (!sel) return 'nil';
  const labels = Object.entries(sel.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}: ${v},`)
    .join('');
  const exprs = (sel.matchExpressions ?? []).map((e) => `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}

const selectorString = (sel: LabelSelectorObject | null | undefined) => labelSelectorToString(sel ?? undefined);
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));
const unable = (reason: string, message: string): Condition => ({ type: 'ScalingActive', status: 'False', reason, message: `the HPA was unable to compute the replica count: ${message}` });

class MetricError extends Error {
  constructor(
    message: string,
    readonly condition: Condition,
  ) {
    super(message);
  }
}

interface Proposal {
  replicas: number;
  metric: string;
  timestamp: number;
  status: MetricStatus;
}

/** Kubernetes' computeReplicasForMetrics: every metric, the highest proposal, the invalid-metric rule. */
export async function computeReplicasForMetrics(inp: ComputeInput): Promise<ComputeResult> {
  const statuses: MetricStatus[] = inp.metrics.map(() => ({ type: '' }));
  let replicas = 0;
  let metric = '';
  let invalid = 0;
  let firstError: MetricError | undefined;
  for (const [i, spec] of inp.metrics.entries()) {
    try {
      const p = await computeReplicasForMetric(inp, spec);
      statuses[i] = p.status;
      if (replicas === 0 || p.replicas > replicas) {
        replicas = p.replicas;
        metric = p.metric;
      }
    } catch (e) {
      const err = e instanceof MetricError ? e : new MetricError(messageOf(e), unable('FailedGetResourceMetric', messageOf(e)));
      if (invalid === 0) firstError = err;
      invalid++;
    }
  }
  const error = firstError ? `invalid metrics (${invalid} invalid out of ${inp.metrics.length}), first error is: ${firstError.message}` : undefined;
  if (firstError && (invalid >= inp.metrics.length || replicas < inp.specReplicas)) return { replicas: -1, metric: '', statuses, condition: firstError.condition, error };
  return { replicas, metric, statuses, condition: { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: `the HPA was able to successfully calculate a replica count from ${metric}` }, error };
}

/** One metric's proposal; a failure records its event and carries its ScalingActive condition. */
async function computeReplicasForMetric(inp: ComputeInput, spec: MetricSpec): Promise<Proposal> {
  const fail = (reason: string, eventMessage: string, wrapped: string): never => {
    inp.warn(reason, eventMessage);
    throw new MetricError(wrapped, unable(reason, eventMessage));
  };
  switch (spec.type) {
    case 'Resource':
    case 'ContainerResource': {
      const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const reason = spec.type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric';
      const name = src?.name ?? '';
      const container = spec.type === 'ContainerResource' ? (spec.containerResource?.container ?? '') : '';
      const prefix = spec.type === 'Resource' ? `failed to get ${name} resource metric value: ` : `failed to get ${container} container metric value: `;
      try {
        const r = await resourceProposal(inp, spec.type, name, container, src?.target ?? {});
        const status = spec.type === 'Resource' ? { type: 'Resource', resource: { name, current: r.current } } : { type: 'ContainerResource', containerResource: { name, container, current: r.current } };
        return { replicas: r.replicas, metric: r.metric, timestamp: r.timestamp, status };
      } catch (e) {
        return fail(reason, messageOf(e), prefix + messageOf(e));
      }
    }
    case 'Pods': {
      const m = spec.pods!;
      let target: number;
      try {
        target = milliValue(m.target?.averageValue);
      } catch {
        return fail('FailedGetPodsMetric', 'invalid pods metric source: an average value target was not set', 'failed to get pods metric value: invalid pods metric source: an average value target was not set');
      }
      let fetched: Awaited<ReturnType<MetricsSource['pods']>>;
      try {
        fetched = await inp.source.pods(inp.namespace, inp.selector, m.metric.name, selectorString(m.metric.selector));
      } catch (e) {
        const msg = `unable to get metric ${m.metric.name}: ${messageOf(e)}`;
        return fail('FailedGetPodsMetric', msg, `failed to get pods metric value: ${msg}`);
      }
      try {
        const r = plainMetricReplicas({ currentReplicas: inp.specReplicas, pods: inp.pods, metrics: fetched.metrics, tolerances: inp.tolerances, readiness: inp.readiness, targetUsage: target, resource: '' });
        return { replicas: r.replicas, metric: `pods metric ${m.metric.name}`, timestamp: fetched.timestamp, status: { type: 'Pods', pods: { metric: identifier(m.metric), current: { averageValue: milliQuantity(r.usage) } } } };
      } catch (e) {
        return fail('FailedGetPodsMetric', messageOf(e), `failed to get pods metric value: ${messageOf(e)}`);
      }
    }
    case 'Object': {
      const m = spec.object!;
      const ref = m.describedObject ?? { kind: '', name: '' };
      const fetchObject = async () => {
        try {
          return await inp.source.object(inp.namespace, ref, m.metric.name, selectorString(m.metric.selector));
        } catch (e) {
          // Kubernetes' own format string puts the kind where the error belongs, and the error last.
          throw new Error(`unable to get metric ${m.metric.name}: ${ref.kind} on ${inp.namespace} ${ref.name}/${messageOf(e)}`);
        }
      };
      const t = m.target ?? {};
      if (t.type === 'Value' && t.value !== undefined) {
        try {
          const { value, timestamp } = await fetchObject();
          const replicas = usageRatioReplicas(inp.specReplicas, value / milliValue(t.value), inp.tolerances, inp.pods);
          return { replicas, metric: `${ref.kind} metric ${m.metric.name}`, timestamp, status: { type: 'Object', object: { describedObject: ref, metric: identifier(m.metric), current: { value: milliQuantity(value) } } } };
        } catch (e) {
          return fail('FailedGetObjectMetric', messageOf(e), `failed to get object metric value: ${messageOf(e)}`);
        }
      }
      if (t.type === 'AverageValue' && t.averageValue !== undefined) {
        try {
          const { value, timestamp } = await fetchObject();
          const r = perPodReplicas(inp.statusReplicas, value, milliValue(t.averageValue), inp.tolerances);
          return { replicas: r.replicas, metric: `external metric ${m.metric.name}(${goLabelSelector(m.metric.selector)})`, timestamp, status: { type: 'Object', object: { describedObject: ref, metric: identifier(m.metric), current: { averageValue: milliQuantity(r.usage) } } } };
        } catch (e) {
          return fail('FailedGetObjectMetric', messageOf(e), `failed to get object metric value: failed to get ${m.metric.name} object metric: ${messageOf(e)}`);
        }
      }
      const msg = 'invalid object metric source: neither a value target nor an average value target was set';
      return fail('FailedGetObjectMetric', msg, `failed to get object metric value: ${msg}`);
    }
    case 'External': {
      const m = spec.external!;
      const t = m.target ?? {};
      const name = `external metric ${m.metric.name}(${goLabelSelector(m.metric.selector)})`;
      const fetchExternal = async () => {
        try {
          const r = await inp.source.external(inp.namespace, m.metric.name, selectorString(m.metric.selector));
          return { total: r.values.reduce((a, b) => a + b, 0), timestamp: r.timestamp };
        } catch (e) {
          throw new Error(`unable to get external metric ${inp.namespace}/${m.metric.name}/${goLabelSelector(m.metric.selector)}: ${messageOf(e)}`);
        }
      };
      if (t.averageValue !== undefined) {
        try {
          const { total, timestamp } = await fetchExternal();
          const r = perPodReplicas(inp.statusReplicas, total, milliValue(t.averageValue), inp.tolerances);
          return { replicas: r.replicas, metric: name, timestamp, status: { type: 'External', external: { metric: identifier(m.metric), current: { averageValue: milliQuantity(r.usage) } } } };
        } catch (e) {
          return fail('FailedGetExternalMetric', messageOf(e), `failed to get ${m.metric.name} external metric value: failed to get ${m.metric.name} external metric: ${messageOf(e)}`);
        }
      }
      if (t.value !== undefined) {
        try {
          const { total, timestamp } = await fetchExternal();
          const replicas = usageRatioReplicas(inp.specReplicas, total / milliValue(t.value), inp.tolerances, inp.pods);
          return { replicas, metric: name, timestamp, status: { type: 'External', external: { metric: identifier(m.metric), current: { value: milliQuantity(total) } } } };
        } catch (e) {
          return fail('FailedGetExternalMetric', messageOf(e), `failed to get ${m.metric.name} external metric value: failed to get external metric ${m.metric.name}: ${messageOf(e)}`);
        }
      }
      const msg = 'invalid external metric source: neither a value target nor an average value target was set';
      return fail('FailedGetExternalMetric', msg, `failed to get ${m.metric.name} external metric value: ${msg}`);
    }
    default: {
      const msg = `unknown metric source type "${spec.type}"`;
      return fail('InvalidMetricSourceType', msg, msg);
    }
  }
}

const identifier = (m: MetricIdentifier) => (m.selector ? { name: m.name, selector: m.selector } : { name: m.name });

/** Resource/ContainerResource: a Utilization target against requests, or an AverageValue target. */
async function resourceProposal(inp: ComputeInput, type: string, name: string, container: string, target: MetricTarget) {
  const base = { currentReplicas: inp.specReplicas, pods: inp.pods, tolerances: inp.tolerances, readiness: inp.readiness };
  const fetch = async () => {
    try {
      return await inp.source.resource(inp.namespace, inp.selector, name, container);
    } catch (e) {
      throw new Error(`unable to get metrics for resource ${name}: ${messageOf(e)}`);
    }
  };
  if (target.averageValue !== undefined) {
    try {
      const f = await fetch();
      const r = plainMetricReplicas({ ...base, metrics: f.metrics, targetUsage: milliValue(target.averageValue), resource: name });
      return { replicas: r.replicas, metric: `${name} resource`, timestamp: f.timestamp, current: { averageValue: milliQuantity(r.usage) } };
    } catch (e) {
      throw new Error(`failed to get ${name} usage: ${messageOf(e)}`);
    }
  }
  if (typeof target.averageUtilization !== 'number') throw new Error('invalid resource metric source: neither an average utilization target nor an average value (usage) target was set');
  try {
    const f = await fetch();
    const r = resourceReplicas({ ...base, metrics: f.metrics, targetUtilization: target.averageUtilization, resource: name, container });
    const metric = type === 'ContainerResource' ? `${name} container resource utilization (percentage of request)` : `${name} resource utilization (percentage of request)`;
    return { replicas: r.replicas, metric, timestamp: f.timestamp, current: { averageUtilization: r.utilization, averageValue: milliQuantity(r.rawAverage) } };
  } catch (e) {
    throw new Error(`failed to get ${name} utilization: ${messageOf(e)}`);
  }
}
