import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '../util/workload-types.js';
import { MAX_REPLICAS, setNewReplicaSetAnnotations, REVISION, REVISION_HISTORY } from './annotations.js';
import { maxSurge, maxUnavailable, scaledValue } from './fenceposts.js';
import { podTemplateHash } from '../util/hash.js';
import { equalIgnoreHash, findActiveOrLatest } from './replicasets.js';
import { proportionalSizes } from './scale.js';
import { calculateStatus, deploymentComplete, deploymentTimedOut } from './status.js';
import { newReplicaSetReplicas } from './sync.js';
import type { Deployment } from './types.js';

const dep = (replicas: number, ru: { maxSurge?: number | string; maxUnavailable?: number | string } = {}, extra: Partial<Deployment['spec']> = {}): Deployment => ({
  metadata: { name: 'web', namespace: 'default', generation: 1 },
  spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%', ...ru } }, template: { metadata: { labels: { app: 'web' } } }, progressDeadlineSeconds: 600, ...extra },
});
const rs = (name: string, replicas: number, o: { available?: number; created?: string; max?: number } = {}): ReplicaSet => ({
  metadata: { name, creationTimestamp: o.created ?? '2024-01-01T00:00:00Z', annotations: o.max !== undefined ? { [MAX_REPLICAS]: String(o.max) } : {} },
  spec: { replicas },
  status: { replicas, availableReplicas: o.available ?? replicas, readyReplicas: o.available ?? replicas },
});

test('percentages: surge rounds up, unavailable rounds down, both zero means one unavailable', () => {
  assert.equal(scaledValue('25%', 10, true), 3);
  assert.equal(scaledValue('25%', 10, false), 2);
  assert.equal(scaledValue(2, 10, false), 2);
  assert.equal(maxSurge(dep(10)), 3);
  assert.equal(maxUnavailable(dep(10)), 2);
  assert.equal(maxUnavailable(dep(1, { maxSurge: '0%', maxUnavailable: '10%' })), 1);
  assert.equal(maxUnavailable(dep(2, { maxUnavailable: 5 })), 2, 'never more than replicas');
  assert.equal(maxSurge({ ...dep(10), spec: { ...dep(10).spec, strategy: { type: 'Recreate' } } }), 0);
});

test('pod-template-hash is stable, key-order independent and salted by collisionCount', () => {
  const a = podTemplateHash({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  const b = podTemplateHash({ spec: { containers: [{ image: 'x', name: 'c' }] }, metadata: { labels: { app: 'web' } } });
  assert.equal(a, b);
  assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.notEqual(podTemplateHash({ x: 1 }, 1), podTemplateHash({ x: 1 }));
  assert.ok(equalIgnoreHash({ metadata: { labels: { app: 'w', 'pod-template-hash': 'abc' }, creationTimestamp: null } as never }, { metadata: { labels: { app: 'w' } } }));
});

test('the new ReplicaSet grows only as far as maxSurge allows', () => {
  const d = dep(10);
  const old = rs('old', 10);
  const fresh = rs('new', 0);
  assert.equal(newReplicaSetReplicas(d, [old, fresh], fresh), 3);
  assert.equal(newReplicaSetReplicas(d, [rs('old', 13), fresh], fresh), 0);
  assert.equal(newReplicaSetReplicas({ ...d, spec: { ...d.spec, strategy: { type: 'Recreate' } } }, [old, fresh], fresh), 10);
});

test('proportional scaling keeps the ratio of old to new mid-rollout', () => {
  // 10 replicas, surge 3: old 8 + new 5 = 13. Scaling to 20 (surge 5) allows 25: +12.
  const d = dep(20);
  const old = rs('old', 8, { max: 13, created: '2024-01-01T00:00:00Z' });
  const fresh = rs('new', 5, { max: 13, created: '2024-01-02T00:00:00Z' });
  const { sizes, toAdd } = proportionalSizes(d, [old, fresh]);
  assert.equal(toAdd, 12);
  assert.equal(sizes.get(old)! + sizes.get(fresh)!, 25);
  assert.deepEqual([sizes.get(old), sizes.get(fresh)], [15, 10]);
  // Scaling down to 5 (surge 2): 7 allowed, take away 6.
  const down = proportionalSizes(dep(5), [old, fresh]).sizes;
  assert.equal(down.get(old)! + down.get(fresh)!, 7);
});

test('findActiveOrLatest: the only active set, or the newest when none is active', () => {
  const a = rs('a', 0, { created: '2024-01-01T00:00:00Z' });
  const b = rs('b', 0, { created: '2024-01-02T00:00:00Z' });
  assert.equal(findActiveOrLatest(undefined, [a, b]), b);
  assert.equal(findActiveOrLatest(rs('n', 3), [a, b])?.metadata.name, 'n');
  assert.equal(findActiveOrLatest(rs('n', 3), [rs('c', 1)]), undefined);
});

test('revision annotations: a reused ReplicaSet takes the next revision and records its history', () => {
  const d = dep(3);
  d.metadata.annotations = { 'kubernetes.io/change-cause': 'undo', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
  const r = rs('r', 0);
  r.metadata.annotations = { [REVISION]: '1' };
  assert.ok(setNewReplicaSetAnnotations(d, r, 3, true));
  assert.equal(r.metadata.annotations[REVISION], '3');
  assert.equal(r.metadata.annotations[REVISION_HISTORY], '1');
  assert.equal(r.metadata.annotations['kubernetes.io/change-cause'], 'undo');
  assert.equal(r.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], undefined);
});

test('status: counts from ReplicaSets, Available by maxUnavailable, complete and timed-out judgements', () => {
  const d = dep(4);
  const fresh = rs('new', 4, { available: 3 });
  const s = calculateStatus(d, [fresh], fresh);
  assert.deepEqual([s.replicas, s.updatedReplicas, s.availableReplicas, s.unavailableReplicas], [4, 4, 3, 1]);
  assert.equal(s.conditions?.find((c) => c.type === 'Available')?.status, 'True');
  assert.ok(!deploymentComplete(d, s));
  assert.ok(deploymentComplete(d, calculateStatus(d, [rs('new', 4)], rs('new', 4))));
  const stale = { ...s, conditions: [{ type: 'Progressing', status: 'True' as const, reason: 'ReplicaSetUpdated', lastUpdateTime: new Date(Date.now() - 700_000).toISOString() }] };
  assert.ok(deploymentTimedOut(d, stale));
  assert.ok(!deploymentTimedOut(dep(4, {}, { progressDeadlineSeconds: 2147483647 }), stale));
});
