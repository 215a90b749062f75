import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RestClient } from '../../client/rest.js';
import { durationMs, podMetricsFrom, RestMetricsSource } from './metrics-client.js';

test('Go durations as metrics-server writes windows', () => {
  assert.equal(durationMs('15s'), 15_000);
  assert.equal(durationMs('1m0s'), 60_000);
  assert.equal(durationMs('1.5s'), 1500);
  assert.equal(durationMs('500ms'), 500);
  assert.equal(durationMs('junk'), 60_000);
});

test('PodMetrics: containers summed, a container without the resource drops the pod, one named container', () => {
  const items = [
    {
      metadata: { name: 'a', namespace: 'd' },
      timestamp: '2026-01-01T00:00:00Z',
      window: '15s',
      containers: [
        { name: 'app', usage: { cpu: '100m' } },
        { name: 'side', usage: { cpu: '20m' } },
      ],
    },
    { metadata: { name: 'b', namespace: 'd' }, timestamp: '2026-01-01T00:00:00Z', window: '15s', containers: [{ name: 'app', usage: { memory: '1Mi' } }] },
    { metadata: { name: 'c', namespace: 'd' }, timestamp: '2026-01-01T00:00:00Z', window: '15s', containers: [] },
  ];
  const m = podMetricsFrom(items, 'cpu', '');
  assert.deepEqual([...m.keys()], ['a']);
  assert.deepEqual(m.get('a'), { value: 120, timestamp: Date.parse('2026-01-01T00:00:00Z'), windowMs: 15_000 });
  assert.equal(podMetricsFrom(items.slice(0, 1), 'cpu', 'side').get('a')?.value, 20);
  assert.throws(() => podMetricsFrom(items.slice(0, 1), 'cpu', 'nope'), /container nope not present in metrics for pod d\/a/);
});

test('the metrics APIs are asked at Kubernetes paths', async () => {
  const asked: string[] = [];
  const answers: Record<string, unknown> = {
    '/apis/custom.metrics.k8s.io': { versions: [{ version: 'v1beta2' }] },
  };
  const client = {
    request: async (_m: string, path: string) => {
      asked.push(path);
      if (answers[path]) return answers[path];
      return { items: [{ describedObject: { name: 'p1' }, metricName: 'x', timestamp: '2026-01-01T00:00:00Z', value: '1500m', windowSeconds: 30 }] };
    },
  } as unknown as RestClient;
  const src = new RestMetricsSource(client, async (_v, kind) => (kind === 'Ingress' ? 'ingresses' : undefined));
  const pods = await src.pods('ns1', 'app=web', 'rps', '');
  assert.deepEqual(pods.metrics.get('p1'), { value: 1500, timestamp: Date.parse('2026-01-01T00:00:00Z'), windowMs: 30_000 });
  await src.object('ns1', { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'main' }, 'hits', 'a=b');
  await src.object('ns1', { apiVersion: 'v1', kind: 'Namespace', name: 'other' }, 'hits', '');
  await src.external('ns1', 'queue', 'q=jobs');
  await src.resource('ns1', 'app=web', 'cpu', '').catch(() => undefined);
  assert.deepEqual(asked, [
    '/apis/custom.metrics.k8s.io',
    '/apis/custom.metrics.k8s.io/v1beta2/namespaces/ns1/pods/*/rps?labelSelector=app%3Dweb',
    '/apis/custom.metrics.k8s.io/v1beta2/namespaces/ns1/ingresses.networking.k8s.io/main/hits?metricLabelSelector=a%3Db',
    '/apis/custom.metrics.k8s.io/v1beta2/namespaces/ns1/metrics/hits',
    '/apis/external.metrics.k8s.io/v1beta1/namespaces/ns1/queue?labelSelector=q%3Djobs',
    '/apis/metrics.k8s.io/v1beta1/namespaces/ns1/pods?labelSelector=app%3Dweb',
  ]);
});
