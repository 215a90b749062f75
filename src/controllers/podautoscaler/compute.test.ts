import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { computeReplicasForMetrics, goLabelSelector, type MetricSpec } from './compute.js';
import type { MetricsSource } from './metrics-client.js';
import { defaultTolerances, type PodMetrics } from './replica-calculator.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const pod = (name: string, cpu: string | null = '100m'): KObject => ({
  metadata: { name, namespace: 'default', labels: { app: 'web' } },
  spec: { containers: [{ name: 'app', resources: cpu ? { requests: { cpu } } : {} }] },
  status: { phase: 'Running', startTime: iso(NOW - 600_000), conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: iso(NOW - 590_000) }] },
});
const figures = (v: Record<string, number>): PodMetrics => new Map(Object.entries(v).map(([n, x]) => [n, { value: x, timestamp: NOW, windowMs: 15_000 }]));

function source(over: Partial<MetricsSource> = {}): MetricsSource {
  const no = async () => {
    throw new Error('not served');
  };
  return { resource: no, pods: no, object: no, external: no, ...over };
}

async function run(metrics: MetricSpec[], src: MetricsSource, pods = [pod('a'), pod('b')], specReplicas = 2) {
  const events: [string, string][] = [];
  const r = await computeReplicasForMetrics({
    namespace: 'default',
    metrics,
    specReplicas,
    statusReplicas: specReplicas,
    selector: 'app=web',
    pods,
    source: src,
    tolerances: defaultTolerances(),
    readiness: { cpuInitializationPeriodMs: 300_000, delayOfInitialReadinessStatusMs: 30_000, now: NOW },
    warn: (reason, message) => events.push([reason, message]),
  });
  return { ...r, events };
}

const cpu50: MetricSpec = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } };

test('a cpu utilization metric: proposal, name and status with utilization and average value', async () => {
  const r = await run([cpu50], source({ resource: async () => ({ metrics: figures({ a: 150, b: 150 }), timestamp: NOW }) }));
  assert.equal(r.replicas, 6);
  assert.equal(r.metric, 'cpu resource utilization (percentage of request)');
  assert.deepEqual(r.statuses, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 150, averageValue: '150m' } } }]);
  assert.deepEqual(r.condition, { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' });
});

test('no requests: Kubernetes condition, events and error wording', async () => {
  const r = await run([cpu50], source({ resource: async () => ({ metrics: figures({ a: 150, b: 150 }), timestamp: NOW }) }), [pod('a', null), pod('b', null)]);
  assert.equal(r.replicas, -1);
  assert.deepEqual(r.condition, { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric', message: 'the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container app of Pod a' });
  assert.deepEqual(r.events, [['FailedGetResourceMetric', 'failed to get cpu utilization: missing request for cpu in container app of Pod a']]);
  assert.equal(r.error, 'invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu utilization: missing request for cpu in container app of Pod a');
  assert.deepEqual(r.statuses, [{ type: '' }]);
});

test('metrics API down', async () => {
  const r = await run([cpu50], source());
  assert.equal(r.condition.message, 'the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: not served');
});

test('several metrics: the highest wins; one failing metric blocks only a scale down', async () => {
  const pods: MetricSpec = { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } };
  const src = source({ resource: async () => ({ metrics: figures({ a: 50, b: 50 }), timestamp: NOW }), pods: async () => ({ metrics: figures({ a: 40_000, b: 40_000 }), timestamp: NOW }) });
  const r = await run([cpu50, pods], src);
  assert.deepEqual([r.replicas, r.metric], [8, 'pods metric rps']);
  assert.deepEqual(r.statuses[1], { type: 'Pods', pods: { metric: { name: 'rps' }, current: { averageValue: '40' } } });
  // cpu fails, rps would scale up: go ahead (and report the error).
  const up = await run([cpu50, pods], source({ pods: src.pods }));
  assert.equal(up.replicas, 8);
  assert.match(up.error ?? '', /^invalid metrics \(1 invalid out of 2\)/);
  // cpu fails, rps would scale down: do nothing.
  const down = await run([cpu50, pods], source({ pods: async () => ({ metrics: figures({ a: 1000, b: 1000 }), timestamp: NOW }) }));
  assert.equal(down.replicas, -1);
  assert.equal(down.condition.reason, 'FailedGetResourceMetric');
});

test('object and external metrics, names and statuses as Kubernetes', async () => {
  const object: MetricSpec = { type: 'Object', object: { describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' }, metric: { name: 'requests-per-second' }, target: { type: 'Value', value: '2k' } } };
  const r = await run([object], source({ object: async () => ({ value: 4_000_000, timestamp: NOW }) }));
  assert.deepEqual([r.replicas, r.metric], [4, 'Ingress metric requests-per-second']);
  assert.deepEqual(r.statuses[0], { type: 'Object', object: { describedObject: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' }, metric: { name: 'requests-per-second' }, current: { value: '4k' } } });
  const external: MetricSpec = { type: 'External', external: { metric: { name: 'queue_messages', selector: { matchLabels: { queue: 'jobs' } } }, target: { type: 'AverageValue', averageValue: '30' } } };
  const e = await run([external], source({ external: async () => ({ values: [90_000, 60_000], timestamp: NOW }) }));
  assert.equal(e.replicas, 5);
  assert.equal(e.metric, 'external metric queue_messages(&LabelSelector{MatchLabels:map[string]string{queue: jobs,},MatchExpressions:[]LabelSelectorRequirement{},})');
  assert.deepEqual(e.statuses[0], { type: 'External', external: { metric: { name: 'queue_messages', selector: { matchLabels: { queue: 'jobs' } } }, current: { averageValue: '75' } } });
  const failed = await run([external], source());
  assert.equal(failed.events[0][0], 'FailedGetExternalMetric');
  assert.equal(failed.events[0][1], `unable to get external metric default/queue_messages/${goLabelSelector({ matchLabels: { queue: 'jobs' } })}: not served`);
});
