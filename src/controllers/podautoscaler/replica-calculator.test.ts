import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { calculateRequests, groupPods, milliValue, perPodReplicas, plainMetricReplicas, type PodMetrics, resourceReplicas, usageRatioReplicas, defaultTolerances } from './replica-calculator.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const readiness = { cpuInitializationPeriodMs: 5 * 60_000, delayOfInitialReadinessStatusMs: 30_000, now: NOW };

interface PodOpts {
  phase?: string;
  ready?: boolean | null;
  startedAgo?: number;
  transitionAgo?: number;
  cpu?: string | null;
  deleted?: boolean;
}
function pod(name: string, o: PodOpts = {}): KObject {
  const started = NOW - (o.startedAgo ?? 10 * 60_000);
  const conds = o.ready === null ? [] : [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: iso(NOW - (o.transitionAgo ?? 9 * 60_000)) }];
  return {
    metadata: { name, namespace: 'default', ...(o.deleted ? { deletionTimestamp: iso(NOW) } : {}) },
    spec: { containers: [{ name: 'app', resources: o.cpu === null ? {} : { requests: { cpu: o.cpu ?? '1' } } }] },
    status: { phase: o.phase ?? 'Running', startTime: iso(started), conditions: conds },
  };
}
const figures = (values: Record<string, number>, takenAgo = 0): PodMetrics => new Map(Object.entries(values).map(([n, v]) => [n, { value: v, timestamp: NOW - takenAgo, windowMs: 60_000 }]));
const tol = defaultTolerances();

test('milliValue rounds up like Go and survives binary fractions', () => {
  assert.equal(milliValue('0.1'), 100);
  assert.equal(milliValue('250m'), 250);
  assert.equal(milliValue('1'), 1000);
  assert.equal(milliValue('1.0001'), 1001);
  assert.equal(milliValue('1Ki'), 1024000);
});

const cases: { name: string; current: number; pods: KObject[]; metrics: PodMetrics; target: number; want: number; util?: number; raw?: number }[] = [
  { name: 'scale up on high utilization', current: 3, pods: [pod('a'), pod('b'), pod('c')], metrics: figures({ a: 900, b: 900, c: 900 }), target: 50, want: 6, util: 90, raw: 900 },
  { name: 'scale down on low utilization', current: 4, pods: [pod('a'), pod('b'), pod('c'), pod('d')], metrics: figures({ a: 100, b: 100, c: 100, d: 100 }), target: 50, want: 1, util: 10 },
  { name: 'within tolerance keeps the count', current: 3, pods: [pod('a'), pod('b'), pod('c')], metrics: figures({ a: 540, b: 540, c: 540 }), target: 50, want: 3, util: 54 },
  { name: 'just outside tolerance scales', current: 3, pods: [pod('a'), pod('b'), pod('c')], metrics: figures({ a: 560, b: 560, c: 560 }), target: 50, want: 4, util: 56 },
  // Missing pods on a scale up count as 0: 2 pods at 100% + 2 missing = 50% of 4 → ratio 1 → no change.
  { name: 'missing pods count as zero on scale up', current: 4, pods: [pod('a'), pod('b'), pod('c'), pod('d')], metrics: figures({ a: 1000, b: 1000 }), target: 50, want: 4 },
  // Missing pods on a scale down count as their request: 2 at 10% + 2 at 100% → 55% vs 50 → within tolerance.
  { name: 'missing pods count as their request on scale down', current: 4, pods: [pod('a'), pod('b'), pod('c'), pod('d')], metrics: figures({ a: 100, b: 100 }), target: 50, want: 4 },
  { name: 'missing pods on scale down, a smaller drop', current: 4, pods: [pod('a'), pod('b'), pod('c'), pod('d')], metrics: figures({ a: 100, b: 100 }), target: 80, want: 3 },
  // Unready (Pending) pods count as zero on a scale up: ratio 1.8 over 2 → with 2 pending at 0: 90/50*... = 0.9 → 4 pods *0.9=... → keep.
  { name: 'pending pods damp a scale up', current: 4, pods: [pod('a'), pod('b'), pod('c', { phase: 'Pending' }), pod('d', { phase: 'Pending' })], metrics: figures({ a: 900, b: 900 }), target: 50, want: 4 },
  { name: 'pending pods ignored on scale down', current: 4, pods: [pod('a'), pod('b'), pod('c', { phase: 'Pending' }), pod('d', { phase: 'Pending' })], metrics: figures({ a: 100, b: 100 }), target: 50, want: 1 },
  { name: 'deleted and failed pods are ignored', current: 3, pods: [pod('a'), pod('b', { deleted: true }), pod('c', { phase: 'Failed' })], metrics: figures({ a: 1000, b: 0, c: 0 }), target: 50, want: 2 },
  // A pod started 1 minute ago whose sample predates a full window since it became ready is unready (cpu).
  { name: 'cpu of a pod still initializing is not trusted', current: 2, pods: [pod('a'), pod('b', { startedAgo: 60_000, transitionAgo: 30_000 })], metrics: figures({ a: 1000, b: 1000 }), target: 50, want: 2 },
  { name: 'a pod unready past initialization that was never ready is ignored', current: 2, pods: [pod('a'), pod('b', { ready: false, startedAgo: 10 * 60_000, transitionAgo: 10 * 60_000 - 5000 })], metrics: figures({ a: 1000, b: 1000 }), target: 50, want: 2 },
  { name: 'a pod that went unready after running counts', current: 2, pods: [pod('a'), pod('b', { ready: false, transitionAgo: 60_000 })], metrics: figures({ a: 1000, b: 1000 }), target: 50, want: 4 },
];

for (const c of cases) {
  test(`resource utilization: ${c.name}`, () => {
    const r = resourceReplicas({ currentReplicas: c.current, pods: c.pods, metrics: c.metrics, tolerances: tol, readiness, targetUtilization: c.target, resource: 'cpu', container: '' });
    assert.equal(r.replicas, c.want);
    if (c.util !== undefined) assert.equal(r.utilization, c.util);
    if (c.raw !== undefined) assert.equal(r.rawAverage, c.raw);
  });
}

test('a pod without a request is Kubernetes error', () => {
  assert.throws(() => resourceReplicas({ currentReplicas: 1, pods: [pod('web-1', { cpu: null })], metrics: figures({ 'web-1': 10 }), tolerances: tol, readiness, targetUtilization: 50, resource: 'cpu', container: '' }), /^Error: missing request for cpu in container app of Pod web-1$/);
});

test('no figures for ready pods, no pods', () => {
  assert.throws(() => resourceReplicas({ currentReplicas: 1, pods: [pod('a', { phase: 'Pending' })], metrics: figures({}), tolerances: tol, readiness, targetUtilization: 50, resource: 'cpu', container: '' }), /did not receive metrics for targeted pods \(pods might be unready\)/);
  assert.throws(() => resourceReplicas({ currentReplicas: 1, pods: [], metrics: figures({}), tolerances: tol, readiness, targetUtilization: 50, resource: 'cpu', container: '' }), /no pods returned by selector while calculating replica count/);
});

test('container resource: one container of each pod, sidecar init containers counted', () => {
  const p: KObject = {
    metadata: { name: 'a' },
    spec: {
      containers: [{ name: 'app', resources: { requests: { cpu: '500m' } } }],
      initContainers: [
        { name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '500m' } } },
        { name: 'init', resources: {} },
      ],
    },
    status: {},
  };
  assert.deepEqual([...calculateRequests([p], '', 'cpu')], [['a', 1000]]);
  assert.deepEqual([...calculateRequests([p], 'side', 'cpu')], [['a', 500]]);
  assert.throws(() => calculateRequests([p], 'nope', 'cpu'), /container nope not found in Pod a/);
});

test('plain (Pods / AverageValue) metrics', () => {
  const pods = [pod('a'), pod('b')];
  assert.deepEqual(plainMetricReplicas({ currentReplicas: 2, pods, metrics: figures({ a: 20_000, b: 20_000 }), tolerances: tol, readiness, targetUsage: 10_000, resource: '' }), { replicas: 4, usage: 20_000 });
  assert.deepEqual(plainMetricReplicas({ currentReplicas: 2, pods, metrics: figures({ a: 10_500, b: 10_500 }), tolerances: tol, readiness, targetUsage: 10_000, resource: '' }), { replicas: 2, usage: 10_500 });
  // A missing pod on a scale down counts as exactly at target: (2000 + 10000) / 2 = 6000 → 0.6 → ceil(1.2) = 2.
  assert.equal(plainMetricReplicas({ currentReplicas: 2, pods, metrics: figures({ a: 2000 }), tolerances: tol, readiness, targetUsage: 10_000, resource: '' }).replicas, 2);
  // Readiness of a non-cpu metric is not checked.
  assert.equal(groupPods([pod('a', { startedAgo: 1000, transitionAgo: 500 })], figures({ a: 1 }), 'memory', readiness).readyPodCount, 1);
});

test('object and external metrics', () => {
  const pods = [pod('a'), pod('b'), pod('c', { ready: false })];
  // Value: ratio × ready pods; within tolerance keeps; from zero, the ratio itself.
  assert.equal(usageRatioReplicas(3, 2, tol, pods), 4);
  assert.equal(usageRatioReplicas(3, 1.05, tol, pods), 3);
  assert.equal(usageRatioReplicas(0, 2.5, tol, pods), 3);
  // AverageValue: total over the per-pod target, usage reported per current replica.
  assert.deepEqual(perPodReplicas(2, 30_000, 5000, tol), { replicas: 6, usage: 15_000 });
  assert.deepEqual(perPodReplicas(3, 15_500, 5000, tol), { replicas: 3, usage: 5167 });
});
