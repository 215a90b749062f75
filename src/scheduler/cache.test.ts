import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheOf, info, makeNode, makePod } from './test-objects.js';

test('bound pods count on their node; updates and deletes adjust the sums', () => {
  const cache = cacheOf([makeNode('n1')], [makePod('a', { cpu: '1', nodeName: 'n1' })]);
  const n1 = cache.nodes.get('n1')!;
  assert.equal(n1.requested.cpu, 1000);
  cache.addOrUpdatePod(makePod('a', { cpu: '2', nodeName: 'n1' }));
  assert.equal(n1.requested.cpu, 2000);
  cache.removePod(makePod('a', { nodeName: 'n1' }));
  assert.equal(n1.requested.cpu, 0);
  assert.equal(n1.pods.size, 0);
});

test('finished pods free their space', () => {
  const cache = cacheOf([makeNode('n1')], [makePod('a', { cpu: '1', nodeName: 'n1' })]);
  const done = makePod('a', { cpu: '1', nodeName: 'n1' });
  done.status = { phase: 'Succeeded' };
  cache.addOrUpdatePod(done);
  assert.equal(cache.nodes.get('n1')!.pods.size, 0);
});

test('pods on a node not seen yet are counted when it appears', () => {
  const cache = cacheOf([], [makePod('a', { cpu: '1', nodeName: 'late' })]);
  cache.addOrUpdateNode(makeNode('late'));
  assert.equal(cache.nodes.get('late')!.requested.cpu, 1000);
});

test('an assumed pod confirmed by the informer stays; forgetting a confirmed pod does nothing', () => {
  const cache = cacheOf([makeNode('n1')]);
  const a = makePod('a', { cpu: '1' });
  cache.assume(info(a), 'n1');
  assert.ok(cache.isAssumed('default/a'));
  cache.addOrUpdatePod({ ...a, spec: { ...a.spec, nodeName: 'n1' } });
  assert.ok(!cache.isAssumed('default/a'));
  cache.forget('default/a');
  assert.equal(cache.nodes.get('n1')!.requested.cpu, 1000);
});

test('a pod with malformed affinity already on a node still takes its resources', () => {
  const bad = makePod('bad', { cpu: '1', nodeName: 'n1', spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: '' }] } } } });
  const cache = cacheOf([makeNode('n1')], [bad]);
  assert.equal(cache.nodes.get('n1')!.requested.cpu, 1000);
});
