import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredTaints, evictionTime, NOT_READY, UNREACHABLE } from './taints.js';

const node = (ready: string, taints: unknown[] = []) => ({ metadata: { name: 'n' }, spec: { taints }, status: { conditions: [{ type: 'Ready', status: ready }] } });

test('readiness taints follow the Ready condition', () => {
  assert.deepEqual(desiredTaints(node('Unknown'), 'T').map((t) => `${t.key}:${t.effect}`), [`${UNREACHABLE}:NoSchedule`, `${UNREACHABLE}:NoExecute`]);
  assert.deepEqual(desiredTaints(node('False'), 'T').map((t) => `${t.key}:${t.effect}`), [`${NOT_READY}:NoSchedule`, `${NOT_READY}:NoExecute`]);
  assert.deepEqual(desiredTaints(node('True', [{ key: UNREACHABLE, effect: 'NoExecute' }, { key: 'mine', effect: 'NoSchedule' }]), 'T'), [{ key: 'mine', effect: 'NoSchedule' }]);
  const kept = { key: UNREACHABLE, effect: 'NoExecute', timeAdded: 'EARLIER' };
  assert.equal(desiredTaints(node('Unknown', [kept]), 'T').find((t) => t.effect === 'NoExecute')!.timeAdded, 'EARLIER');
});

test('eviction is immediate without a toleration, delayed by tolerationSeconds, never with an unbounded one', () => {
  const taints = [{ key: UNREACHABLE, effect: 'NoExecute', timeAdded: '2024-01-01T00:00:00Z' }];
  assert.equal(evictionTime(taints, [], 0), 0);
  assert.equal(evictionTime(taints, [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }], 0), Date.parse('2024-01-01T00:00:05Z'));
  assert.equal(evictionTime(taints, [{ key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' }], 0), undefined);
  assert.equal(evictionTime([{ key: 'x', effect: 'NoSchedule' }], [], 0), undefined);
});
