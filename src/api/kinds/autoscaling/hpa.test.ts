import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KObject } from '../../kind.js';
import { BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, CURRENT_METRICS_ANNOTATION, convertHpa, METRICS_ANNOTATION } from './hpa-conversion.js';
import { hpaV1, hpaV2, formatHpaTargets } from './hpa.js';
import { defaultHpaV2 } from './hpa-defaults.js';

const v2Full = (): KObject => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default', annotations: { team: 'a' } },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 2,
    maxReplicas: 10,
    metrics: [
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'packets-per-second' }, target: { type: 'AverageValue', averageValue: '1k' } } },
      { type: 'Object', object: { metric: { name: 'requests-per-second' }, describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main-route' }, target: { type: 'Value', value: '10k' } } },
      { type: 'External', external: { metric: { name: 'queue_messages_ready', selector: { matchLabels: { queue: 'worker_tasks' } } }, target: { type: 'AverageValue', averageValue: '30' } } },
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
    ],
    behavior: {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 4, periodSeconds: 60 }] },
    },
  },
  status: {
    currentReplicas: 3,
    desiredReplicas: 3,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '60m' } } }],
    conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'ReadyForNewScale', message: 'ok' }],
  },
});

test('v2 -> v1 keeps the CPU target as targetCPUUtilizationPercentage and the rest in annotations', () => {
  const v1 = convertHpa(v2Full(), 'v1');
  assert.equal(v1.apiVersion, 'autoscaling/v1');
  assert.deepEqual(v1.spec, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 50 });
  assert.deepEqual(v1.status, { currentReplicas: 3, desiredReplicas: 3, currentCPUUtilizationPercentage: 12 });
  const ann = v1.metadata!.annotations!;
  assert.equal(ann.team, 'a');
  const others = JSON.parse(ann[METRICS_ANNOTATION]);
  assert.equal(others.length, 4);
  assert.deepEqual(others[0], { type: 'Resource', resource: { name: 'memory', targetAverageValue: '500Mi' } });
  assert.deepEqual(others[1], { type: 'Pods', pods: { metricName: 'packets-per-second', targetAverageValue: '1k' } });
  assert.deepEqual(JSON.parse(ann[BEHAVIOR_ANNOTATION]).ScaleDown, { StabilizationWindowSeconds: 300, SelectPolicy: 'Min', Policies: [{ Type: 'Pods', Value: 4, PeriodSeconds: 60 }] });
  assert.ok(ann[CURRENT_METRICS_ANNOTATION]);
  assert.ok(ann[CONDITIONS_ANNOTATION]);
});

test('v2 -> v1 -> v2 loses nothing', () => {
  const original = v2Full();
  const back = convertHpa(convertHpa(v2Full(), 'v1'), 'v2');
  assert.deepEqual(back, original);
});

test('v1 -> v2 -> v1 loses nothing, annotations included', () => {
  const v1: KObject = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name: 'php-apache',
      namespace: 'default',
      annotations: {
        [METRICS_ANNOTATION]: JSON.stringify([{ type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } }]),
        [BEHAVIOR_ANNOTATION]: JSON.stringify({ ScaleUp: { StabilizationWindowSeconds: 30, SelectPolicy: 'Min', Policies: [{ Type: 'Pods', Value: 2, PeriodSeconds: 60 }] }, ScaleDown: null }),
      },
    },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'php-apache' }, minReplicas: 1, maxReplicas: 10, targetCPUUtilizationPercentage: 50 },
  };
  const v2 = convertHpa(structuredClone(v1), 'v2');
  assert.equal(v2.metadata!.annotations, undefined, 'v2 carries no round-trip annotations');
  const spec = v2.spec as { metrics: unknown[]; behavior: unknown };
  assert.deepEqual(spec.metrics, [
    { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
    { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
  ]);
  // The rules the annotation leaves out get v2's defaults, as Kubernetes' v2 decoding fills them.
  assert.deepEqual(spec.behavior, {
    scaleUp: { stabilizationWindowSeconds: 30, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
    scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
  });
  const again = convertHpa(v2, 'v1');
  assert.deepEqual(again.spec, v1.spec);
  assert.deepEqual(JSON.parse(again.metadata!.annotations![METRICS_ANNOTATION]), JSON.parse(v1.metadata!.annotations![METRICS_ANNOTATION]));
  assert.deepEqual(JSON.parse(again.metadata!.annotations![BEHAVIOR_ANNOTATION]).ScaleUp, JSON.parse(v1.metadata!.annotations![BEHAVIOR_ANNOTATION]).ScaleUp);
});

test('a v1 object without a CPU target gets the 80% default in v2', () => {
  const v2 = convertHpa({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 3 } }, 'v2');
  assert.deepEqual((v2.spec as { metrics: unknown }).metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  assert.equal((convertHpa(v2, 'v1').spec as { targetCPUUtilizationPercentage: number }).targetCPUUtilizationPercentage, 80);
});

test('a metrics annotation that is not JSON does not convert', () => {
  assert.throws(() => convertHpa({ apiVersion: 'autoscaling/v1', metadata: { name: 'x', annotations: { [METRICS_ANNOTATION]: '{' } }, spec: { maxReplicas: 1 } }, 'v2'), /autoscaling.alpha.kubernetes.io\/metrics/);
});

test('v2 defaults: minReplicas 1, CPU 80%, behavior rules filled', () => {
  const o: KObject = { spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 3, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } };
  defaultHpaV2(o);
  const spec = o.spec as Record<string, any>;
  assert.equal(spec.minReplicas, 1);
  assert.equal(spec.metrics[0].resource.target.averageUtilization, 80);
  assert.deepEqual(spec.behavior.scaleUp, {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  });
  assert.deepEqual(spec.behavior.scaleDown, { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], stabilizationWindowSeconds: 60 });
});

const fields = (errs: { field: string }[]) => errs.map((e) => e.field).sort();

test('validation as Kubernetes: replicas bounds, references, metric sources, behavior', () => {
  const bad: KObject = {
    metadata: { name: 'x' },
    spec: {
      scaleTargetRef: { kind: '', name: 'a/b' },
      minReplicas: 0,
      maxReplicas: 0,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } } },
        { type: 'Pods', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 5 } } },
        { type: 'Nope' },
        { type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '1', averageValue: '2' } } },
      ],
      behavior: { scaleUp: { stabilizationWindowSeconds: 4000, selectPolicy: 'Most', policies: [{ type: 'Pods', value: 0, periodSeconds: 1801 }] }, scaleDown: { policies: [] } },
    },
  };
  assert.deepEqual(fields(hpaV2.validate!(bad)), [
    'spec.behavior.scaleDown.policies',
    'spec.behavior.scaleUp.policies[0].periodSeconds',
    'spec.behavior.scaleUp.policies[0].value',
    'spec.behavior.scaleUp.selectPolicy',
    'spec.behavior.scaleUp.stabilizationWindowSeconds',
    'spec.maxReplicas',
    'spec.metrics[0].resource.target.averageUtilization',
    'spec.metrics[1].pods',
    'spec.metrics[2].type',
    'spec.metrics[3].external.target.value',
    'spec.minReplicas',
    'spec.scaleTargetRef.kind',
    'spec.scaleTargetRef.name',
  ]);
  const ok = v2Full();
  assert.deepEqual(hpaV2.validate!(ok), []);
});

test('v1 validation reports through the v2 form; maxReplicas below minReplicas', () => {
  const v1: KObject = { apiVersion: 'autoscaling/v1', metadata: { name: 'x' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, minReplicas: 5, maxReplicas: 2, targetCPUUtilizationPercentage: 0 } };
  const errs = hpaV1.validate!(v1);
  assert.deepEqual(fields(errs), ['spec.maxReplicas', 'spec.metrics[0].resource.target.averageUtilization']);
  assert.match(errs.find((e) => e.field === 'spec.maxReplicas')!.message, /must be greater than or equal to `minReplicas`/);
});

test('TARGETS column as kubectl prints it', () => {
  const o = v2Full();
  // Statuses pair with specs by position, as kubectl's printer pairs them.
  assert.equal(formatHpaTargets(o), 'memory: 60m/500Mi, <unknown>/1k + 3 more...');
  const cpuOnly: KObject = { spec: { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] } };
  assert.equal(formatHpaTargets(cpuOnly), 'cpu: <unknown>/50%');
  assert.equal(formatHpaTargets({ ...cpuOnly, status: { currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 7 } } }] } }), 'cpu: 7%/50%');
});

test('hostile bodies: validation, conversion and printing never throw (conversion refuses only unparsable annotations)', () => {
  const leaf = fc.oneof(fc.string({ maxLength: 5 }), fc.integer(), fc.constant(null), fc.boolean(), fc.constantFrom('cpu', 'Resource', 'Pods', 'Object', 'External', 'ContainerResource', 'Utilization', 'AverageValue', 'Value', '1k', '-1', 'Max'));
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.array(tie('v'), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('type', 'resource', 'pods', 'object', 'external', 'containerResource', 'target', 'current', 'metric', 'name', 'averageUtilization', 'averageValue', 'value', 'scaleUp', 'scaleDown', 'policies', 'selectPolicy', 'selector', 'describedObject', 'kind'), tie('v'), { maxKeys: 4 }),
    ),
  })).v;
  const annotation = fc.oneof(
    fc.string({ maxLength: 8 }),
    value.map((v) => JSON.stringify(v)),
  );
  const body = fc.record({
    apiVersion: fc.constantFrom('autoscaling/v1', 'autoscaling/v2'),
    metadata: fc.record({ name: fc.constant('x'), annotations: fc.option(fc.dictionary(fc.constantFrom(METRICS_ANNOTATION, BEHAVIOR_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, 'a'), annotation, { maxKeys: 3 }), { nil: undefined }) }),
    spec: fc.oneof(value, fc.record({ scaleTargetRef: value, minReplicas: value, maxReplicas: value, targetCPUUtilizationPercentage: value, metrics: fc.array(value, { maxLength: 3 }), behavior: value })),
    status: fc.option(fc.record({ currentMetrics: fc.array(value, { maxLength: 2 }), conditions: value, currentReplicas: value, currentCPUUtilizationPercentage: value }), { nil: undefined }),
  });
  fc.assert(
    fc.property(body, (b) => {
      const o = b as unknown as KObject;
      hpaV1.validate!(structuredClone(o));
      hpaV2.validate!(structuredClone(o));
      hpaV2.default!(structuredClone(o));
      for (const c of hpaV1.printerColumns!) c.cell?.(structuredClone(o));
      for (const to of ['v1', 'v2']) {
        try {
          convertHpa(structuredClone(o), to);
        } catch (e) {
          assert.match((e as Error).message, /^annotation autoscaling\.alpha\.kubernetes\.io\//);
        }
      }
    }),
    { numRuns: 400 },
  );
});
