import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Algorithm, FitError } from '../algorithm.js';
import type { SchedulerCache } from '../cache.js';
import { Framework } from '../framework.js';
import { cacheOf, info, makeNode, makePod } from '../test-objects.js';
import type { Pod } from '../types.js';
import { NO_VICTIMS, NOT_HELPFUL, preempt } from './default-preemption.js';
import { defaultPlugins } from './index.js';

const fw = new Framework(defaultPlugins());

function tryPreempt(cache: SchedulerCache, pod: Pod) {
  try {
    new Algorithm(fw, cache).schedule(info(pod));
  } catch (e) {
    if (e instanceof FitError) return preempt(fw, cache, info(pod), e.diagnosis);
    throw e;
  }
  throw new Error('the pod fits without preemption');
}

test('evicts the fewest lowest-priority pods on the best node', () => {
  const nodes = [makeNode('n1', { cpu: '2' }), makeNode('n2', { cpu: '2' })];
  const pods = [makePod('n1-low', { cpu: '1', priority: 10, nodeName: 'n1' }), makePod('n1-mid', { cpu: '1', priority: 100, nodeName: 'n1' }), makePod('n2-low-a', { cpu: '1', priority: 10, nodeName: 'n2' }), makePod('n2-low-b', { cpu: '1', priority: 5, nodeName: 'n2' })];
  const out = tryPreempt(cacheOf(nodes, pods), makePod('vip', { cpu: '1', priority: 1000 }));
  // n2's worst victim (10) is no higher than n1's (10), n2 needs just one, the lowest (5).
  assert.equal(out.candidate?.node, 'n2');
  assert.deepEqual(
    out.candidate?.victims.map((v) => v.key),
    ['default/n2-low-b'],
  );
});

test('reprieves victims that need not go', () => {
  const nodes = [makeNode('n1', { cpu: '4' })];
  const pods = [makePod('a', { cpu: '1', priority: 1, nodeName: 'n1' }), makePod('b', { cpu: '1', priority: 2, nodeName: 'n1' }), makePod('c', { cpu: '2', priority: 3, nodeName: 'n1' })];
  const out = tryPreempt(cacheOf(nodes, pods), makePod('vip', { cpu: '2', priority: 100 }));
  // Removing a and b (2 cpu) is enough; c (highest priority) is kept.
  assert.deepEqual(out.candidate?.victims.map((v) => v.key).sort(), ['default/a', 'default/b']);
});

test('never evicts pods of equal or higher priority; says why per node', () => {
  const nodes = [makeNode('n1', { cpu: '1' }), makeNode('tainted', { cpu: '8', taints: [{ key: 'x', effect: 'NoSchedule' }] })];
  const pods = [makePod('peer', { cpu: '1', priority: 100, nodeName: 'n1' })];
  const out = tryPreempt(cacheOf(nodes, pods), makePod('p', { cpu: '1', priority: 100 }));
  assert.equal(out.candidate, undefined);
  assert.equal(out.message, `0/2 nodes are available: 1 ${NO_VICTIMS}, 1 ${NOT_HELPFUL}.`);
});

test('a node too small even when emptied is not a candidate', () => {
  const out = tryPreempt(cacheOf([makeNode('n1', { cpu: '1' })], [makePod('low', { cpu: '500m', priority: 0, nodeName: 'n1' })]), makePod('p', { cpu: '2', priority: 10 }));
  assert.equal(out.message, '0/1 nodes are available: 1 Insufficient cpu.');
});

test('preemptionPolicy Never opts out', () => {
  const out = tryPreempt(cacheOf([makeNode('n1', { cpu: '1' })], [makePod('low', { cpu: '1', nodeName: 'n1' })]), makePod('p', { cpu: '1', priority: 10, spec: { preemptionPolicy: 'Never' } }));
  assert.equal(out.message, 'not eligible due to preemptionPolicy=Never.');
});

test('a nominated preemptor holds its space against lower-priority pods', () => {
  const cache = cacheOf([makeNode('n1', { cpu: '2' })]);
  cache.nominate(info(makePod('vip', { cpu: '2', priority: 1000 })), 'n1');
  assert.throws(() => new Algorithm(fw, cache).schedule(info(makePod('low', { cpu: '1', priority: 0 }))), FitError);
  assert.equal(new Algorithm(fw, cache).schedule(info(makePod('higher', { cpu: '1', priority: 2000 }))).node, 'n1');
});

test('no new victims while earlier ones on the nominated node are still terminating', () => {
  const dying = makePod('dying', { cpu: '1', priority: 0, nodeName: 'n1' });
  dying.metadata!.deletionTimestamp = '2026-01-01T00:00:30Z';
  const cache = cacheOf([makeNode('n1', { cpu: '1' }), makeNode('n2', { cpu: '1' })], [dying, makePod('other', { cpu: '1', priority: 0, nodeName: 'n2' })]);
  const vip = makePod('vip', { cpu: '1', priority: 100 });
  cache.nominate(info(vip), 'n1');
  assert.equal(tryPreempt(cache, vip).message, 'not eligible due to a terminating pod on the nominated node.');
});
