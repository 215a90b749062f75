// HorizontalPodAutoscaler between autoscaling/v1 and autoscaling/v2 (the storage version), as
// Kubernetes converts it: v1's targetCPUUtilizationPercentage is v2's Resource cpu Utilization
// metric; what v1 cannot express travels in annotations so a round trip through v1 loses nothing:
//   autoscaling.alpha.kubernetes.io/metrics          the other metrics (v1's legacy MetricSpec shape)
//   autoscaling.alpha.kubernetes.io/current-metrics  status.currentMetrics (v1's MetricStatus shape)
//   autoscaling.alpha.kubernetes.io/conditions       status.conditions
//   autoscaling.alpha.kubernetes.io/behavior         spec.behavior (Go field names, as Kubernetes writes it)
// A v2 object never carries these annotations: they are dropped on the way to v2.

import type { KObject } from '../../kind.js';
import { DEFAULT_CPU_UTILIZATION, defaultHpaV2 } from './hpa-defaults.js';

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP = [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

export { DEFAULT_CPU_UTILIZATION };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
/** Keys with undefined values left out, as Go's omitempty leaves nil pointers out. */
function compact(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

const isCpuUtilization = (m: Obj) => m.type === 'Resource' && isObj(m.resource) && m.resource.name === 'cpu' && obj(m.resource.target).averageUtilization !== undefined;

// ---- one metric spec or status, between v2 and v1's legacy (v2beta1-like) shape ----------------

function metricSpecToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  if (isObj(m.resource)) {
    const t = obj(m.resource.target);
    out.resource = compact({ name: m.resource.name, targetAverageUtilization: t.averageUtilization, targetAverageValue: t.averageValue });
  }
  if (isObj(m.containerResource)) {
    const t = obj(m.containerResource.target);
    out.containerResource = compact({ name: m.containerResource.name, targetAverageUtilization: t.averageUtilization, targetAverageValue: t.averageValue, container: m.containerResource.container });
  }
  if (isObj(m.pods)) {
    const id = obj(m.pods.metric);
    out.pods = compact({ metricName: id.name, targetAverageValue: obj(m.pods.target).averageValue, selector: id.selector });
  }
  if (isObj(m.object)) {
    const id = obj(m.object.metric);
    const t = obj(m.object.target);
    out.object = compact({ target: m.object.describedObject, metricName: id.name, targetValue: t.value, selector: id.selector, averageValue: t.averageValue });
  }
  if (isObj(m.external)) {
    const id = obj(m.external.metric);
    const t = obj(m.external.target);
    out.external = compact({ metricName: id.name, metricSelector: id.selector, targetValue: t.value, targetAverageValue: t.averageValue });
  }
  return out;
}

function metricSpecToV2(m: Obj): Obj {
  const out: Obj = { type: m.type };
  if (isObj(m.resource)) {
    const r = m.resource;
    out.resource = { name: r.name, target: compact({ type: r.targetAverageUtilization === undefined ? 'AverageValue' : 'Utilization', averageUtilization: r.targetAverageUtilization, averageValue: r.targetAverageValue }) };
  }
  if (isObj(m.containerResource)) {
    const r = m.containerResource;
    out.containerResource = {
      name: r.name,
      target: compact({ type: r.targetAverageUtilization === undefined ? 'AverageValue' : 'Utilization', averageUtilization: r.targetAverageUtilization, averageValue: r.targetAverageValue }),
      container: r.container,
    };
  }
  if (isObj(m.pods)) {
    const p = m.pods;
    out.pods = { metric: compact({ name: p.metricName, selector: p.selector }), target: compact({ type: 'AverageValue', averageValue: p.targetAverageValue }) };
  }
  if (isObj(m.object)) {
    const o = m.object;
    out.object = {
      describedObject: o.target,
      target: compact({ type: o.averageValue === undefined ? 'Value' : 'AverageValue', value: o.targetValue, averageValue: o.averageValue }),
      metric: compact({ name: o.metricName, selector: o.selector }),
    };
  }
  if (isObj(m.external)) {
    const e = m.external;
    out.external = {
      metric: compact({ name: e.metricName, selector: e.metricSelector }),
      target: compact({ type: e.targetValue === undefined ? 'AverageValue' : 'Value', value: e.targetValue, averageValue: e.targetAverageValue }),
    };
  }
  return out;
}

function metricStatusToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  if (isObj(m.resource)) {
    const c = obj(m.resource.current);
    out.resource = compact({ name: m.resource.name, currentAverageUtilization: c.averageUtilization, currentAverageValue: c.averageValue });
  }
  if (isObj(m.containerResource)) {
    const c = obj(m.containerResource.current);
    out.containerResource = compact({ name: m.containerResource.name, currentAverageUtilization: c.averageUtilization, currentAverageValue: c.averageValue, container: m.containerResource.container });
  }
  if (isObj(m.pods)) {
    const id = obj(m.pods.metric);
    out.pods = compact({ metricName: id.name, currentAverageValue: obj(m.pods.current).averageValue, selector: id.selector });
  }
  if (isObj(m.object)) {
    const id = obj(m.object.metric);
    const c = obj(m.object.current);
    out.object = compact({ target: m.object.describedObject, metricName: id.name, currentValue: c.value, selector: id.selector, averageValue: c.averageValue });
  }
  if (isObj(m.external)) {
    const id = obj(m.external.metric);
    const c = obj(m.external.current);
    out.external = compact({ metricName: id.name, metricSelector: id.selector, currentValue: c.value, currentAverageValue: c.averageValue });
  }
  return out;
}

function metricStatusToV2(m: Obj): Obj {
  const out: Obj = { type: m.type };
  if (isObj(m.resource)) out.resource = { name: m.resource.name, current: compact({ averageValue: m.resource.currentAverageValue, averageUtilization: m.resource.currentAverageUtilization }) };
  if (isObj(m.containerResource)) {
    const r = m.containerResource;
    out.containerResource = { name: r.name, current: compact({ averageValue: r.currentAverageValue, averageUtilization: r.currentAverageUtilization }), container: r.container };
  }
  if (isObj(m.pods)) out.pods = { metric: compact({ name: m.pods.metricName, selector: m.pods.selector }), current: compact({ averageValue: m.pods.currentAverageValue }) };
  if (isObj(m.object)) {
    const o = m.object;
    out.object = { metric: compact({ name: o.metricName, selector: o.selector }), current: compact({ value: o.currentValue, averageValue: o.averageValue }), describedObject: o.target };
  }
  if (isObj(m.external)) {
    const e = m.external;
    out.external = { metric: compact({ name: e.metricName, selector: e.metricSelector }), current: compact({ value: e.currentValue, averageValue: e.currentAverageValue }) };
  }
  return out;
}

// ---- behavior: Kubernetes marshals its internal type, whose fields have Go names -----------------

function rulesToGo(r: unknown): Obj | undefined {
  if (!isObj(r)) return undefined;
  return compact({
    StabilizationWindowSeconds: r.stabilizationWindowSeconds,
    SelectPolicy: r.selectPolicy,
    Policies: Array.isArray(r.policies) ? objs(r.policies).map((p) => ({ Type: p.type, Value: p.value, PeriodSeconds: p.periodSeconds })) : null,
  });
}

/** Go's JSON decoding matches field names case-insensitively: accept both spellings back. */
function field(o: Obj, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

function rulesFromGo(r: unknown): Obj | undefined {
  if (!isObj(r)) return undefined;
  const policies = field(r, 'policies');
  return compact({
    stabilizationWindowSeconds: field(r, 'stabilizationWindowSeconds') ?? undefined,
    selectPolicy: field(r, 'selectPolicy') ?? undefined,
    policies: Array.isArray(policies) ? objs(policies).map((p) => ({ type: field(p, 'type'), value: field(p, 'value'), periodSeconds: field(p, 'periodSeconds') })) : undefined,
  });
}

function parseAnnotation(annotations: Record<string, string>, key: string): unknown {
  try {
    return JSON.parse(annotations[key]);
  } catch (e) {
    throw new Error(`annotation ${key}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

// ---- whole objects ---------------------------------------------------------------------------

function withoutRoundTripAnnotations(meta: Obj): Obj {
  const ann = meta.annotations;
  if (!isObj(ann) || !ROUND_TRIP.some((k) => k in ann)) return meta;
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ann)) if (!ROUND_TRIP.includes(k)) rest[k] = v;
  const out: Obj = { ...meta, annotations: rest };
  if (Object.keys(rest).length === 0) delete out.annotations;
  return out;
}

/** A v2 HorizontalPodAutoscaler as v1. */
export function hpaToV1(hpa: KObject): KObject {
  const spec = obj(hpa.spec);
  const status = isObj(hpa.status) ? hpa.status : undefined;
  const metrics = objs(spec.metrics);
  const meta = withoutRoundTripAnnotations(structuredClone(obj(hpa.metadata)));
  const extra: Record<string, string> = {};

  let targetCPU: unknown;
  for (const m of metrics) {
    if (m.type === 'Resource' && isObj(m.resource) && m.resource.name === 'cpu') {
      targetCPU = obj(m.resource.target).averageUtilization;
      break;
    }
  }
  const others = metrics.filter((m) => !isCpuUtilization(m)).map(metricSpecToV1);
  if (others.length > 0) extra[METRICS_ANNOTATION] = JSON.stringify(others);
  if (isObj(spec.behavior)) extra[BEHAVIOR_ANNOTATION] = JSON.stringify(compact({ ScaleUp: rulesToGo(spec.behavior.scaleUp) ?? null, ScaleDown: rulesToGo(spec.behavior.scaleDown) ?? null }));
  const current = objs(status?.currentMetrics);
  if (current.length > 0) extra[CURRENT_METRICS_ANNOTATION] = JSON.stringify(current.map(metricStatusToV1));
  const conditions = objs(status?.conditions);
  if (conditions.length > 0) extra[CONDITIONS_ANNOTATION] = JSON.stringify(conditions);
  if (Object.keys(extra).length > 0) meta.annotations = { ...obj(meta.annotations), ...extra };

  let currentCPU: unknown;
  for (const m of current) if (m.type === 'Resource' && isObj(m.resource) && m.resource.name === 'cpu' && obj(m.resource.current).averageUtilization !== undefined) currentCPU = obj(m.resource.current).averageUtilization;

  const out: KObject = {
    ...hpa,
    apiVersion: 'autoscaling/v1',
    metadata: meta,
    spec: compact({ scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, targetCPUUtilizationPercentage: targetCPU }),
  };
  // v1's status fields are not omitempty: they read as 0 before any controller wrote them.
  out.status = compact({
    observedGeneration: status?.observedGeneration,
    lastScaleTime: status?.lastScaleTime,
    currentReplicas: status?.currentReplicas ?? 0,
    desiredReplicas: status?.desiredReplicas ?? 0,
    currentCPUUtilizationPercentage: currentCPU,
  });
  return out;
}

/** A v1 HorizontalPodAutoscaler as v2 (what it keeps in annotations included). Throws on an annotation that does not parse. */
export function hpaToV2(hpa: KObject): KObject {
  const spec = obj(hpa.spec);
  const status = isObj(hpa.status) ? hpa.status : undefined;
  const ann = obj(hpa.metadata?.annotations) as Record<string, string>;
  const meta = withoutRoundTripAnnotations(structuredClone(obj(hpa.metadata)));

  let metrics: Obj[] = [];
  if (typeof ann[METRICS_ANNOTATION] === 'string') metrics = objs(parseAnnotation(ann, METRICS_ANNOTATION)).map(metricSpecToV2);
  if (spec.targetCPUUtilizationPercentage !== undefined && spec.targetCPUUtilizationPercentage !== null) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  if (metrics.length === 0) metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  let behavior: Obj | undefined;
  if (typeof ann[BEHAVIOR_ANNOTATION] === 'string') {
    const b = obj(parseAnnotation(ann, BEHAVIOR_ANNOTATION));
    behavior = compact({ scaleUp: rulesFromGo(field(b, 'scaleUp')), scaleDown: rulesFromGo(field(b, 'scaleDown')) });
  }

  const out: KObject = {
    ...hpa,
    apiVersion: 'autoscaling/v2',
    metadata: meta,
    spec: compact({ scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, metrics, behavior }),
  };
  if (status) {
    let currentMetrics: Obj[] | undefined;
    if (typeof ann[CURRENT_METRICS_ANNOTATION] === 'string') currentMetrics = objs(parseAnnotation(ann, CURRENT_METRICS_ANNOTATION)).map(metricStatusToV2);
    else if (typeof status.currentCPUUtilizationPercentage === 'number') currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
    const conditions = typeof ann[CONDITIONS_ANNOTATION] === 'string' ? objs(parseAnnotation(ann, CONDITIONS_ANNOTATION)) : undefined;
    out.status = compact({
      observedGeneration: status.observedGeneration,
      lastScaleTime: status.lastScaleTime,
      // v2's currentReplicas is omitempty, desiredReplicas is not.
      currentReplicas: status.currentReplicas === 0 ? undefined : status.currentReplicas,
      desiredReplicas: status.desiredReplicas ?? 0,
      currentMetrics,
      conditions,
    });
  } else delete out.status;
  // What v2 decoding would fill in (behavior rules carried in the annotation included).
  defaultHpaV2(out);
  return out;
}

/** KindConversion.convert for both versions. */
export function convertHpa(o: KObject, toVersion: string): KObject {
  const from = o.apiVersion;
  if (from === `autoscaling/${toVersion}`) return o;
  if (toVersion === 'v1') return hpaToV1(o);
  if (toVersion === 'v2') return hpaToV2(o);
  throw new Error(`autoscaling has no version ${toVersion}`);
}
