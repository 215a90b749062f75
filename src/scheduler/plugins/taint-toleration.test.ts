import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../framework.js';
import { info, makeNode, makePod, nodeInfo } from '../test-objects.js';
import { taintToleration } from './taint-toleration.js';
import { toleratesTaint } from '../../api/scheduling/tolerations.js';

const s = new CycleState();
const gpu = nodeInfo(makeNode('gpu', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }));
const soft = nodeInfo(makeNode('soft', { taints: [{ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }] }));
const clean = nodeInfo(makeNode('clean'));

test('toleration matching: Equal needs key and value, Exists only the key, empty key with Exists matches all', () => {
  const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  assert.ok(toleratesTaint({ key: 'dedicated', value: 'gpu' }, taint));
  assert.ok(!toleratesTaint({ key: 'dedicated', value: 'cpu' }, taint));
  assert.ok(toleratesTaint({ key: 'dedicated', operator: 'Exists' }, taint));
  assert.ok(toleratesTaint({ operator: 'Exists' }, taint));
  assert.ok(!toleratesTaint({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint));
  assert.ok(!toleratesTaint({ key: 'dedicated', operator: 'Bogus' }, taint));
});

test("NoSchedule taints keep out pods without a toleration, with kube's message", () => {
  assert.deepEqual(taintToleration.filter!(s, info(makePod('p')), gpu), { code: 'UnschedulableAndUnresolvable', reasons: ['node(s) had untolerated taint {dedicated: gpu}'] });
  const tolerant = info(makePod('p', { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } }));
  assert.equal(taintToleration.filter!(s, tolerant, gpu), undefined);
});

test('PreferNoSchedule only lowers the score', () => {
  const p = info(makePod('p'));
  assert.equal(taintToleration.filter!(s, p, soft), undefined);
  const scores = [taintToleration.score!(s, p, soft), taintToleration.score!(s, p, clean)];
  taintToleration.normalizeScore!(s, p, scores);
  assert.deepEqual(scores, [0, 100]);
});
