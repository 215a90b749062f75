// autoscaling/v2 and autoscaling/v1 HorizontalPodAutoscaler: one storage (v2), two served
// versions converted at the API server's edges (hpa-conversion.ts). Objects are stored only: the
// controller that acts on them comes with the metrics pipeline.

import type { KindConversion, KindDef, KObject, PrinterColumn } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { int32, int64, str, struct, time } from '../../schema.js';
import { convertHpa, CONDITIONS_ANNOTATION, CURRENT_METRICS_ANNOTATION, BEHAVIOR_ANNOTATION, hpaToV2, METRICS_ANNOTATION } from './hpa-conversion.js';
import { hpaV2Schema } from './hpa-v2-schema.js';
import { defaultHpaV2 } from './hpa-defaults.js';
import { validateHpaV2 } from './hpa-validation.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

export const hpaConversion: KindConversion = { storageVersion: 'v2', convert: convertHpa };

/** A cell's text for any stored value (scalars as they are, anything else as JSON). */
const text = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? (JSON.stringify(v) ?? '') : String(v));
const q = (v: unknown) => (v === undefined || v === null ? '<unknown>' : text(v));

/** kubectl's TARGETS cell: "cpu: 12%/50%" per metric, at most two, then "+ N more...". */
export function formatHpaTargets(hpa: KObject): string {
  const spec = isObj(hpa.spec) ? hpa.spec : {};
  const specs = objs(spec.metrics);
  const statuses = objs(isObj(hpa.status) ? hpa.status.currentMetrics : undefined);
  if (specs.length === 0) return '<none>';
  const list = specs.map((m, i) => {
    const st = statuses[i];
    const cur = (k: string) => (st && isObj(st[k]) && isObj((st[k] as Obj).current) ? ((st[k] as Obj).current as Obj) : undefined);
    const src = (k: string) => (isObj(m[k]) ? (m[k] as Obj) : {});
    const target = (k: string) => (isObj(src(k).target) ? (src(k).target as Obj) : {});
    switch (m.type) {
      case 'External':
      case 'Object': {
        const k = m.type === 'External' ? 'external' : 'object';
        const t = target(k);
        if (t.averageValue !== undefined) return `${q(cur(k)?.averageValue)}/${q(t.averageValue)} (avg)`;
        return `${cur(k) ? q(cur(k)?.value) : '<unknown>'}/${q(t.value)}`;
      }
      case 'Pods':
        return `${q(cur('pods')?.averageValue)}/${q(target('pods').averageValue)}`;
      case 'Resource':
      case 'ContainerResource': {
        const k = m.type === 'Resource' ? 'resource' : 'containerResource';
        const t = target(k);
        const name = text(src(k).name);
        if (t.averageValue !== undefined) return `${name}: ${q(cur(k)?.averageValue)}/${q(t.averageValue)}`;
        const c = cur(k)?.averageUtilization;
        const current = typeof c === 'number' ? `${c}%` : '<unknown>';
        return `${name}: ${current}/${typeof t.averageUtilization === 'number' ? `${t.averageUtilization}%` : '<auto>'}`;
      }
      default:
        return '<unknown type>';
    }
  });
  if (list.length > 2) return `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...`;
  return list.join(', ');
}

/** The columns of both versions (Kubernetes prints its internal form: a v1 object is converted first). */
function columns(toV2: (o: KObject) => KObject): PrinterColumn[] {
  const spec = (o: KObject) => (isObj(o.spec) ? o.spec : {});
  return [
    {
      name: 'Reference',
      type: 'string',
      description: 'The scale target: kind/name.',
      cell: (o) => {
        const ref = isObj(spec(o).scaleTargetRef) ? (spec(o).scaleTargetRef as Obj) : {};
        return `${text(ref.kind)}/${text(ref.name)}`;
      },
    },
    { name: 'Targets', type: 'string', description: 'Current and target value of each metric.', cell: (o) => formatHpaTargets(toV2(o)) },
    { name: 'MinPods', type: 'string', description: 'The lower limit for the number of pods.', cell: (o) => (typeof spec(o).minReplicas === 'number' ? String(spec(o).minReplicas) : '<unset>') },
    { name: 'MaxPods', type: 'integer', description: 'The upper limit for the number of pods.', cell: (o) => spec(o).maxReplicas ?? 0 },
    { name: 'Replicas', type: 'integer', description: 'Current number of replicas.', cell: (o) => (isObj(o.status) ? (o.status.currentReplicas ?? 0) : 0) },
  ];
}

const common: Omit<KindDef, 'version' | 'schema'> = {
  group: 'autoscaling',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  subresources: { status: true },
  hasGeneration: true,
  conversion: hpaConversion,
};

export const hpaV2: KindDef = {
  ...common,
  version: 'v2',
  schema: hpaV2Schema,
  // Go's non-omitempty desiredReplicas: a new object reads with it (v1 adds currentReplicas).
  initialStatus: () => ({ desiredReplicas: 0 }),
  printerColumns: columns((o) => o),
  default: (o) => {
    // v2 never carries v1's round-trip annotations (Kubernetes drops them on the way in).
    const ann = o.metadata?.annotations;
    if (ann) {
      for (const k of [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION]) delete ann[k];
      if (Object.keys(ann).length === 0) delete o.metadata!.annotations;
    }
    defaultHpaV2(o);
  },
  validate: (o) => validateHpaV2(o),
};

const crossVersionObjectReferenceV1 = struct(
  'io.k8s.api.autoscaling.v1.CrossVersionObjectReference',
  'Enough information to let you identify the referred resource.',
  {
    apiVersion: str('API version of the referent.'),
    kind: str('Kind of the referent, e.g. Deployment.'),
    name: str('Name of the referent.'),
  },
  { required: ['kind', 'name'] },
);

/** A v1 object as v2 for validation and printing; an annotation that does not parse counts as absent here (writes refuse it). */
function asV2(o: KObject): KObject {
  try {
    return hpaToV2(o);
  } catch {
    const meta = { ...(o.metadata ?? {}), annotations: {} };
    return hpaToV2({ ...o, metadata: meta });
  }
}

export const hpaV1: KindDef = {
  ...common,
  version: 'v1',
  schema: kindSchema('io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler', 'Configuration of a horizontal pod autoscaler.', {
    spec: struct(
      'io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec',
      'The desired functionality of the HorizontalPodAutoscaler.',
      {
        scaleTargetRef: crossVersionObjectReferenceV1,
        minReplicas: int32('The lower limit for the number of replicas to which the autoscaler can scale down. Defaults to 1 pod.'),
        maxReplicas: int32('The upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.'),
        targetCPUUtilizationPercentage: int32('The target average CPU utilization (represented as a percentage of requested CPU) over all the pods; if not specified the default autoscaling policy will be used.'),
      },
      { required: ['scaleTargetRef', 'maxReplicas'] },
    ),
    status: struct(
      'io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerStatus',
      'The current status of a horizontal pod autoscaler.',
      {
        observedGeneration: int64('The most recent generation observed by this autoscaler.'),
        lastScaleTime: time('The last time the HorizontalPodAutoscaler scaled the number of pods.'),
        currentReplicas: int32('The current number of replicas of pods managed by this autoscaler.'),
        desiredReplicas: int32('The desired number of replicas of pods managed by this autoscaler.'),
        currentCPUUtilizationPercentage: int32('The current average CPU utilization over all pods, represented as a percentage of requested CPU.'),
      },
      { required: ['currentReplicas', 'desiredReplicas'] },
    ),
  }),
  printerColumns: columns(asV2),
  initialStatus: () => ({ currentReplicas: 0, desiredReplicas: 0 }),
  default: (o) => {
    if (o.spec !== undefined && !isObj(o.spec)) return;
    const spec = (o.spec ??= {}) as Obj;
    spec.minReplicas ??= 1;
  },
  validate: (o) => {
    let v2: KObject;
    try {
      v2 = hpaToV2(o);
    } catch (e) {
      return [{ field: 'metadata.annotations', reason: 'FieldValueInvalid', message: `Invalid value: ${e instanceof Error ? e.message : String(e)}` }];
    }
    defaultHpaV2(v2);
    return validateHpaV2(v2);
  },
};

export const autoscalingKinds: KindDef[] = [hpaV2, hpaV1];
