import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../api/kind.js';
import { computeStatus } from './status.js';

const pod = (name: string, ready: boolean, extra: Record<string, unknown> = {}): KObject => ({
  metadata: { name, namespace: 'ns', labels: { app: 'web' }, ...extra },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const NOW = Date.UTC(2024, 0, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

test('minAvailable 1 over two ready pods allows one disruption', () => {
  const pdb = { metadata: { name: 'b', generation: 1 }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } };
  const { status } = computeStatus(pdb, [pod('a', true), pod('b', true)], 2, NOW);
  assert.equal(status?.currentHealthy, 2);
  assert.equal(status?.desiredHealthy, 1);
  assert.equal(status?.expectedPods, 2);
  assert.equal(status?.disruptionsAllowed, 1);
  assert.equal(status?.observedGeneration, 1);
  assert.equal(status?.conditions?.[0].reason, 'SufficientPods');
});

test('deleting, unready and recently evicted pods are not healthy; expired evictions are dropped', () => {
  const pdb = {
    metadata: { name: 'b', generation: 2 },
    spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } } },
    status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptedPods: { c: iso(NOW - 10_000), d: iso(NOW - 5 * 60_000) } },
  };
  const pods = [pod('a', true), pod('b', false), pod('c', true), pod('d', true), pod('e', true, { deletionTimestamp: iso(NOW) })];
  const r = computeStatus(pdb, pods, 4, NOW);
  assert.equal(r.status?.currentHealthy, 2, 'a and d');
  assert.equal(r.status?.desiredHealthy, 2);
  assert.equal(r.status?.disruptionsAllowed, 0);
  assert.deepEqual(r.status?.disruptedPods, { c: iso(NOW - 10_000) });
  assert.deepEqual(r.notDeleted, ['d']);
  assert.equal(r.recheckAt, NOW - 10_000 + 120_000);
  assert.equal(r.status?.conditions?.[0].reason, 'InsufficientPods');
});

test('an up-to-date status is not written again', () => {
  const pdb = { metadata: { name: 'b', generation: 1 }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } };
  const first = computeStatus(pdb, [pod('a', true), pod('b', true)], 2, NOW);
  const again = computeStatus({ ...pdb, status: first.status }, [pod('a', true), pod('b', true)], 2, NOW + 1000);
  assert.equal(again.status, undefined);
  const bumped = computeStatus({ ...pdb, metadata: { name: 'b', generation: 2 }, status: first.status }, [pod('a', true), pod('b', true)], 2, NOW);
  assert.equal(bumped.status?.observedGeneration, 2);
});
