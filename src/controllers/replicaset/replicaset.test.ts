import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Expectations } from './expectations.js';
import { podsToDelete } from './ranking.js';
import { slowStartBatch } from '../util/slow-start.js';
import { computeStatus } from './status.js';
import type { PodPhase } from '../../api/core/index.js';
import type { Pod, ReplicaSet } from '../util/workload-types.js';

const pod = (name: string, o: { node?: string; phase?: PodPhase; ready?: boolean; readyAt?: string; created?: string; labels?: Record<string, string> } = {}): Pod => ({
  metadata: { name, namespace: 'default', creationTimestamp: o.created ?? '2024-01-01T00:00:00Z', labels: o.labels ?? { app: 'web' } },
  spec: o.node ? { nodeName: o.node } : {},
  status: { phase: o.phase ?? 'Pending', conditions: o.ready !== undefined ? [{ type: 'Ready', status: o.ready ? 'True' : 'False', lastTransitionTime: o.readyAt ?? '2024-01-01T00:00:10Z' }] : [] },
});

test('scale-down deletes unscheduled, then pending, then not-ready, then the most recently ready, then newest', () => {
  const pods = [
    pod('ready-old', { node: 'n', phase: 'Running', ready: true, readyAt: '2024-01-01T00:00:01Z' }),
    pod('ready-new', { node: 'n2', phase: 'Running', ready: true, readyAt: '2024-01-01T00:05:00Z' }),
    pod('running-unready', { node: 'n', phase: 'Running', ready: false }),
    pod('pending', { node: 'n', phase: 'Pending' }),
    pod('unscheduled'),
  ];
  assert.deepEqual(
    podsToDelete(pods, [], 5).map((p) => p.metadata.name),
    pods.map((p) => p.metadata.name),
  );
  assert.deepEqual(
    podsToDelete(pods, [], 4).map((p) => p.metadata.name),
    ['unscheduled', 'pending', 'running-unready', 'ready-new'],
  );
  const sameAge = [pod('older', { created: '2024-01-01T00:00:00Z' }), pod('newer', { created: '2024-01-02T00:00:00Z' })];
  assert.deepEqual(
    podsToDelete(sameAge, [], 1).map((p) => p.metadata.name),
    ['newer'],
  );
});

test('a pod doubled up on a node with related pods goes before a lone one', () => {
  const a = pod('lone', { node: 'n1', phase: 'Running', ready: true });
  const b = pod('crowded', { node: 'n2', phase: 'Running', ready: true });
  const related = [b, pod('sibling', { node: 'n2', phase: 'Running', ready: true })];
  assert.deepEqual(
    podsToDelete([a, b], related, 1).map((p) => p.metadata.name),
    ['crowded'],
  );
});

test('expectations hold a key until every expected create and delete is observed, or they expire', () => {
  const e = new Expectations(1000);
  assert.ok(e.satisfied('ns/rs'));
  e.expectCreations('ns/rs', 2);
  assert.ok(!e.satisfied('ns/rs'));
  e.creationObserved('ns/rs');
  assert.ok(!e.satisfied('ns/rs'));
  e.creationObserved('ns/rs');
  assert.ok(e.satisfied('ns/rs'));
  e.expectDeletions('ns/rs', ['ns/p1']);
  assert.ok(!e.satisfied('ns/rs'));
  assert.ok(e.satisfied('ns/rs', Date.now() + 2000), 'expired expectations do not wedge the controller');
  e.deletionObserved('ns/rs', 'ns/p1');
  assert.ok(e.satisfied('ns/rs'));
});

test('slow start doubles batches and stops at the first failing batch', async () => {
  let calls = 0;
  const ok = await slowStartBatch(10, 1, async () => {
    calls++;
  });
  assert.deepEqual(ok, { succeeded: 10 });
  assert.equal(calls, 10);
  calls = 0;
  const failing = await slowStartBatch(100, 1, async () => {
    calls++;
    throw new Error('quota exceeded');
  });
  assert.equal(calls, 1, 'one request, not a hundred');
  assert.equal(failing.succeeded, 0);
  assert.match(String(failing.error), /quota/);
});

test('status counts replicas, fully labeled, ready and available (minReadySeconds), and ReplicaFailure', () => {
  const rs: ReplicaSet = { metadata: { name: 'rs', generation: 3 }, spec: { replicas: 3, minReadySeconds: 60, template: { metadata: { labels: { app: 'web', tier: 'fe' } } } } };
  const now = Date.parse('2024-01-01T00:01:00Z');
  const pods = [pod('a', { labels: { app: 'web', tier: 'fe' }, node: 'n', phase: 'Running', ready: true, readyAt: '2024-01-01T00:00:00Z' }), pod('b', { labels: { app: 'web' }, node: 'n', phase: 'Running', ready: true, readyAt: '2024-01-01T00:00:30Z' }), pod('c', { labels: { app: 'web', tier: 'fe' } })];
  const s = computeStatus(rs, pods, undefined, now);
  assert.deepEqual({ ...s }, { replicas: 3, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 1, observedGeneration: 3 });
  const failed = computeStatus(rs, pods, { reason: 'FailedCreate', message: 'pods "x" is forbidden: exceeded quota' }, now);
  assert.equal(failed.conditions?.[0].type, 'ReplicaFailure');
  assert.equal(failed.conditions?.[0].reason, 'FailedCreate');
  const cleared = computeStatus({ ...rs, status: failed }, pods, undefined, now);
  assert.equal(cleared.conditions, undefined);
});
