import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Algorithm, FitError } from '../algorithm.js';
import { Framework } from '../framework.js';
import { cacheOf, info, makeNode, makePod } from '../test-objects.js';
import type { Pod, TopologySpreadConstraint } from '../types.js';
import { defaultPlugins } from './index.js';
import { ERR_SPREAD, ERR_SPREAD_LABEL } from './pod-topology-spread.js';

const nodes = [makeNode('a1', { labels: { zone: 'a' } }), makeNode('a2', { labels: { zone: 'a' } }), makeNode('b1', { labels: { zone: 'b' } })];
const spread = (name: string, c: Partial<TopologySpreadConstraint>) => makePod(name, { labels: { app: 'web' }, spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...c }] } });
const web = (name: string, nodeName: string) => makePod(name, { labels: { app: 'web' }, nodeName });
const schedule = (existing: Pod[], pod: Pod, n = nodes) => new Algorithm(new Framework(defaultPlugins()), cacheOf(n, existing)).schedule(info(pod)).node;

test('DoNotSchedule: the pod goes to the zone with fewer matching pods', () => {
  const existing = [web('w1', 'a1'), web('w2', 'a2')];
  for (let i = 0; i < 10; i++) assert.equal(schedule(existing, spread('p', {})), 'b1');
});

test('DoNotSchedule: skew would exceed maxSkew everywhere but the emptier zone, then evenly', () => {
  const existing = [web('w1', 'b1')];
  // zone a has 0, b has 1: b would make skew 2 > 1.
  for (let i = 0; i < 10; i++) assert.match(schedule(existing, spread('p', {})), /^a/);
  // maxSkew 2 lets b take another, even while zone a (tainted here, still counted) stays empty.
  const aTainted = [makeNode('b1', { labels: { zone: 'b' } }), makeNode('a1', { labels: { zone: 'a' }, taints: [{ key: 'k', effect: 'NoSchedule' }] })];
  assert.equal(schedule(existing, spread('p', { maxSkew: 2 }), aTainted), 'b1');
});

test('nodes without the topology key cannot take a pod with a hard constraint', () => {
  const unlabelled = [makeNode('x')];
  assert.throws(
    () => schedule([], spread('p', {}), unlabelled),
    (e: Error) => e instanceof FitError && e.message.includes(ERR_SPREAD_LABEL),
  );
});

test("unsatisfiable skew is reported with kube's reason", () => {
  const existing = [web('w1', 'b1')];
  const only = [makeNode('b1', { labels: { zone: 'b' } }), makeNode('a1', { labels: { zone: 'a' }, taints: [{ key: 'k', effect: 'NoSchedule' }] })];
  assert.throws(
    () => schedule(existing, spread('p', {}), only),
    (e: Error) => e instanceof FitError && e.message.includes(`1 ${ERR_SPREAD}`),
  );
});

test('ScheduleAnyway only scores: prefers the emptier zone but never refuses', () => {
  const existing = [web('w1', 'a1'), web('w2', 'a2'), web('w3', 'a1')];
  for (let i = 0; i < 10; i++) assert.equal(schedule(existing, spread('p', { whenUnsatisfiable: 'ScheduleAnyway' })), 'b1');
});

test('malformed constraints are errors with their field path', () => {
  assert.throws(() => schedule([], spread('p', { maxSkew: 0 })), /spec\.topologySpreadConstraints\[0\]\.maxSkew/);
  assert.throws(() => schedule([], spread('p', { whenUnsatisfiable: 'Sometimes' })), /whenUnsatisfiable: Unsupported value/);
});
