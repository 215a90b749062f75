import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Algorithm, ERR_NO_NODES, FitError, numFeasibleNodesToFind } from './algorithm.js';
import { Framework } from './framework.js';
import { defaultPlugins } from './plugins/index.js';
import { cacheOf, info, makeNode, makePod } from './test-objects.js';

const fw = () => new Framework(defaultPlugins());

test("the FitError message counts reasons per node, sorted, in kube's format", () => {
  const cache = cacheOf([makeNode('small', { cpu: '1' }), makeNode('tiny', { cpu: '500m' }), makeNode('gpu', { cpu: '64', taints: [{ key: 'node-role', value: 'x', effect: 'NoSchedule' }] })]);
  assert.throws(
    () => new Algorithm(fw(), cache).schedule(info(makePod('p', { cpu: '2' }))),
    (e: Error) => {
      assert.ok(e instanceof FitError);
      assert.equal(e.message, '0/3 nodes are available: 1 node(s) had untolerated taint {node-role: x}, 2 Insufficient cpu.');
      return true;
    },
  );
});

test('no nodes at all', () => {
  assert.throws(() => new Algorithm(fw(), cacheOf([])).schedule(info(makePod('p'))), new RegExp(ERR_NO_NODES));
});

test("kube's adaptive share of nodes to find feasible", () => {
  assert.equal(numFeasibleNodesToFind(50), 50);
  assert.equal(numFeasibleNodesToFind(200), 100);
  assert.equal(numFeasibleNodesToFind(1000), 420);
  assert.equal(numFeasibleNodesToFind(5000), 500);
  assert.equal(numFeasibleNodesToFind(100_000), 5000);
  assert.equal(numFeasibleNodesToFind(1000, 100), 1000);
});

test('large clusters: only a share of nodes is filtered per cycle, and the start rotates', () => {
  const nodes = Array.from({ length: 1000 }, (_, i) => makeNode(`n${i}`));
  const algo = new Algorithm(fw(), cacheOf(nodes));
  const first = algo.schedule(info(makePod('a')));
  assert.equal(first.evaluated, 420);
  assert.equal(first.feasible, 420);
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) seen.add(algo.schedule(info(makePod(`p${i}`))).node);
  assert.ok(seen.size > 1, 'different pods land on different nodes');
});

test('assumed pods take space at once; a forgotten assumption frees it', () => {
  const cache = cacheOf([makeNode('n1', { cpu: '1' })]);
  const algo = new Algorithm(fw(), cache);
  const a = info(makePod('a', { cpu: '1' }));
  cache.assume(a, algo.schedule(a).node);
  assert.throws(() => algo.schedule(info(makePod('b', { cpu: '1' }))), /Insufficient cpu/);
  cache.forget(a.key);
  assert.equal(algo.schedule(info(makePod('b', { cpu: '1' }))).node, 'n1');
});

test('every missing resource of a node is counted, as kube does', () => {
  const cache = cacheOf([makeNode('a', { cpu: '1', memory: '1Gi' }), makeNode('b', { cpu: '1', memory: '1Gi' })]);
  assert.throws(() => new Algorithm(fw(), cache).schedule(info(makePod('p', { cpu: '2', memory: '2Gi' }))), /^FitError: 0\/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory\.$/);
});
