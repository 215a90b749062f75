import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeMetrics, podMetrics } from '../../api/kinds/metrics/index.js';
import type { Store } from '../../store/types.js';
import type { ClusterView } from './cluster-view.js';
import { NodeMetricsObjects, PodMetricsObjects } from './objects.js';
import { MetricsPoints } from './points.js';
import type { Point } from './resource-metrics.js';

const pt = (timestamp: number, cpuSeconds: number, memory: number): Point => ({ timestamp, startTime: 1, cumulativeCpu: Math.round(cpuSeconds * 1e9), memory });
const store = { currentRevision: async () => 7 } as unknown as Store;

function fixture() {
  const view = {
    nodes: new Map([
      ['b', { name: 'b', ready: true, port: 1, labels: { zone: 'x' } }],
      ['a', { name: 'a', ready: true, port: 1 }],
      ['c', { name: 'c', ready: true, port: 1 }],
    ]),
    pods: new Map([
      ['ns2/p', { namespace: 'ns2', name: 'p', nodeName: 'a', labels: { app: 'y' } }],
      ['ns1/q', { namespace: 'ns1', name: 'q', nodeName: 'a' }],
      ['ns1/p', { namespace: 'ns1', name: 'p', nodeName: 'b' }],
      ['ns1-x/p', { namespace: 'ns1-x', name: 'p', nodeName: 'b' }],
      ['ns10/p', { namespace: 'ns10', name: 'p', nodeName: 'b' }],
    ]),
  } as unknown as ClusterView;
  const points = new MetricsPoints(15_000);
  const scrape = (t: number, cpu: number) =>
    new Map([
      [
        'a',
        {
          node: pt(t, cpu, 2048),
          pods: new Map([
            ['ns2/p', new Map([['c', pt(t, cpu / 10, 1048576)]])],
            ['ns1/q', new Map([['c', pt(t, cpu / 10, 10)]])],
          ]),
        },
      ],
      ['b', { node: pt(t, cpu, 4096), pods: new Map(['ns1/p', 'ns1-x/p', 'ns10/p'].map((k) => [k, new Map([['c', pt(t, cpu / 10, 20)]])])) }],
    ]);
  points.store(scrape(10_000, 10));
  points.store(scrape(25_003, 25));
  return { nodes: new NodeMetricsObjects(store, nodeMetrics, { view, points }), pods: new PodMetricsObjects(store, podMetrics, { view, points }) };
}

describe('metrics API storage', () => {
  it('lists nodes with figures, by name, with their labels; a node without samples is left out', async () => {
    const { nodes } = fixture();
    const page = await nodes.list(undefined);
    assert.deepEqual(
      page.items.map((o) => o.metadata?.name),
      ['a', 'b'],
    );
    assert.equal(page.revision, 7);
    const b = page.items[1] as Record<string, unknown> & { metadata: { labels?: unknown } };
    assert.deepEqual(b.metadata.labels, { zone: 'x' });
    assert.equal(b.window, '15.003s');
    assert.equal(b.timestamp, '1970-01-01T00:00:25Z');
    assert.deepEqual(b.usage, { cpu: '999800039n', memory: '4Ki' });
    await assert.rejects(nodes.mustGet(undefined, 'c'), /nodes.metrics.k8s.io "c" not found/);
  });

  it('lists pods by namespace then name, per namespace, in pages', async () => {
    const { pods } = fixture();
    assert.deepEqual(
      (await pods.list(undefined)).items.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`),
      ['ns1-x/p', 'ns1/p', 'ns1/q', 'ns10/p', 'ns2/p'],
    );
    assert.deepEqual(
      (await pods.list('ns1')).items.map((o) => o.metadata?.name),
      ['p', 'q'],
    );
    const first = await pods.list(undefined, { limit: 3 });
    assert.equal(first.items.length, 3);
    const rest = await pods.list(undefined, { limit: 3, continueKey: first.continueKey });
    assert.deepEqual(
      rest.items.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`),
      ['ns10/p', 'ns2/p'],
    );
    assert.equal(rest.continueKey, undefined);
    const ns1 = await pods.list('ns1', { limit: 1 });
    assert.deepEqual(
      [...ns1.items, ...(await pods.list('ns1', { limit: 1, continueKey: ns1.continueKey })).items].map((o) => o.metadata?.name),
      ['p', 'q'],
    );
    const one = (await pods.mustGet('ns2', 'p')).obj as Record<string, unknown>;
    assert.deepEqual(one.containers, [{ name: 'c', usage: { cpu: '99980003n', memory: '1Mi' } }]);
    await assert.rejects(pods.mustGet('ns2', 'nope'), /pods.metrics.k8s.io "ns2\/nope" not found/);
  });
});
