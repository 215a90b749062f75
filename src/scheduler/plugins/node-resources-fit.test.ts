import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CycleState } from '../framework.js';
import { info, makeNode, makePod, nodeInfo } from '../test-objects.js';
import { nodeResourcesBalancedAllocation, nodeResourcesFit } from './node-resources-fit.js';

const s = new CycleState();

test('fits when requests plus what is already placed stay within allocatable', () => {
  const n = nodeInfo(makeNode('n', { cpu: '2', memory: '4Gi' }), [makePod('a', { cpu: '1', memory: '1Gi' })]);
  assert.equal(nodeResourcesFit.filter!(s, info(makePod('p', { cpu: '1', memory: '3Gi' })), n), undefined);
  assert.deepEqual(nodeResourcesFit.filter!(s, info(makePod('p', { cpu: '1500m' })), n), { code: 'Unschedulable', reasons: ['Insufficient cpu'] });
  assert.deepEqual(nodeResourcesFit.filter!(s, info(makePod('p', { memory: '3100Mi' })), n), { code: 'Unschedulable', reasons: ['Insufficient memory'] });
});

test('the pod count is a resource: Too many pods', () => {
  const n = nodeInfo(makeNode('n', { pods: '1' }), [makePod('a')]);
  assert.equal(nodeResourcesFit.filter!(s, info(makePod('p')), n)?.reasons.join(', '), 'Too many pods');
});

test('extended resources must be offered by the node', () => {
  const gpuPod = makePod('p', { spec: { containers: [{ name: 'c', resources: { requests: { 'example.com/gpu': '1' } } }] } });
  assert.equal(nodeResourcesFit.filter!(s, info(gpuPod), nodeInfo(makeNode('plain')))?.reasons.join(', '), 'Insufficient example.com/gpu');
  assert.equal(nodeResourcesFit.filter!(s, info(gpuPod), nodeInfo(makeNode('gpu', { extra: { 'example.com/gpu': '2' } }))), undefined);
});

test('a node with malformed allocatable fits nothing and says why', () => {
  const node = makeNode('bad');
  node.status!.allocatable!.cpu = 'many';
  assert.match(nodeResourcesFit.filter!(s, info(makePod('p')), nodeInfo(node))!.reasons.join(', '), /invalid allocatable/);
});

test('LeastAllocated prefers the emptier node', () => {
  const p = info(makePod('p', { cpu: '1', memory: '1Gi' }));
  const empty = nodeInfo(makeNode('empty'));
  const busy = nodeInfo(makeNode('busy'), [makePod('a', { cpu: '2', memory: '4Gi' })]);
  assert.ok(nodeResourcesFit.score!(s, p, empty) > nodeResourcesFit.score!(s, p, busy));
});

test('BalancedAllocation prefers even cpu and memory use', () => {
  const p = info(makePod('p', { cpu: '1', memory: '1Gi' }));
  const even = nodeInfo(makeNode('even', { cpu: '4', memory: '4Gi' }));
  const skewed = nodeInfo(makeNode('skewed', { cpu: '4', memory: '64Gi' }));
  assert.equal(nodeResourcesBalancedAllocation.score!(s, p, even), 100);
  assert.ok(nodeResourcesBalancedAllocation.score!(s, p, skewed) < 100);
});
