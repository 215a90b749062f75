import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staleDisruptionIn } from './stale-condition.js';

const NOW = Date.UTC(2024, 0, 1, 12);
const pod = (cond: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) => ({
  metadata: { name: 'p', ...extra },
  status: { phase: 'Running', conditions: cond ? [{ type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', ...cond }] : [] },
});

test('an eviction mark left on a running pod becomes stale two minutes after it was set', () => {
  assert.equal(staleDisruptionIn(pod({ lastTransitionTime: new Date(NOW - 30_000).toISOString() }), NOW), 90_000);
  assert.equal(staleDisruptionIn(pod({ lastTransitionTime: new Date(NOW - 300_000).toISOString() }), NOW), 0);
  assert.equal(staleDisruptionIn(pod({}), NOW), 0, 'no transition time: stale now');
});

test('deleting pods, the node agent marks, False conditions and finished pods are left alone', () => {
  assert.equal(staleDisruptionIn(pod(undefined), NOW), undefined);
  assert.equal(staleDisruptionIn(pod({ status: 'False' }), NOW), undefined);
  assert.equal(staleDisruptionIn(pod({ reason: 'TerminationByKubelet' }), NOW), undefined);
  assert.equal(staleDisruptionIn(pod({}, { deletionTimestamp: new Date(NOW).toISOString() }), NOW), undefined);
  const done = pod({});
  done.status.phase = 'Succeeded';
  assert.equal(staleDisruptionIn(done, NOW), undefined);
});
