import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Algorithm, FitError } from '../algorithm.js';
import { Framework } from '../framework.js';
import { cacheOf, info, makeNode, makePod } from '../test-objects.js';
import type { Pod, PodAffinityTerm } from '../types.js';
import { defaultPlugins } from './index.js';
import { ERR_AFFINITY, ERR_ANTI_AFFINITY, ERR_EXISTING_ANTI_AFFINITY } from './inter-pod-affinity.js';

const nodes = [makeNode('a1', { labels: { zone: 'a' } }), makeNode('a2', { labels: { zone: 'a' } }), makeNode('b1', { labels: { zone: 'b' } })];
const term = (app: string, topologyKey = 'kubernetes.io/hostname'): PodAffinityTerm => ({ topologyKey, labelSelector: { matchLabels: { app } } });
const anti = (name: string, app: string, terms: PodAffinityTerm[], nodeName?: string) => makePod(name, { labels: { app }, nodeName, spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } } } });
const affine = (name: string, terms: PodAffinityTerm[], labels?: Record<string, string>) => makePod(name, { labels, spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } } } });

function schedule(existing: Pod[], pod: Pod) {
  return new Algorithm(new Framework(defaultPlugins()), cacheOf(nodes, existing)).schedule(info(pod)).node;
}

function reasons(existing: Pod[], pod: Pod): string {
  try {
    schedule(existing, pod);
  } catch (e) {
    if (e instanceof FitError) return e.message;
    throw e;
  }
  throw new Error('expected no fit');
}

test('required anti-affinity by hostname avoids nodes with a matching pod', () => {
  const existing = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('w2', { labels: { app: 'web' }, nodeName: 'b1' })];
  for (let i = 0; i < 10; i++) assert.equal(schedule(existing, anti('w3', 'web', [term('web')])), 'a2');
});

test('required anti-affinity by zone', () => {
  const existing = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a1' })];
  for (let i = 0; i < 10; i++) assert.equal(schedule(existing, anti('w2', 'web', [term('web', 'zone')])), 'b1');
  assert.match(reasons([...existing, makePod('w3', { labels: { app: 'web' }, nodeName: 'b1' })], anti('w4', 'web', [term('web', 'zone')])), new RegExp(`3 ${ERR_ANTI_AFFINITY.replace(/[()]/g, '\\$&')}`));
});

test("existing pods' anti-affinity keeps a matching pod out (symmetry)", () => {
  const existing = [anti('loner', 'db', [term('web', 'zone')], 'a1')];
  for (let i = 0; i < 10; i++) assert.equal(schedule(existing, makePod('web', { labels: { app: 'web' } })), 'b1');
  assert.match(reasons([...existing, anti('loner2', 'db', [term('web', 'zone')], 'b1')], makePod('web', { labels: { app: 'web' } })), new RegExp(ERR_EXISTING_ANTI_AFFINITY.replace(/[()]/g, '\\$&')));
});

test('required affinity puts the pod in the domain of a matching pod', () => {
  const existing = [makePod('cache', { labels: { app: 'cache' }, nodeName: 'b1' })];
  for (let i = 0; i < 10; i++) assert.equal(schedule(existing, affine('web', [term('cache', 'zone')])), 'b1');
});

test('required affinity with no matching pod anywhere: unschedulable, unless the pod matches itself (first of its group)', () => {
  assert.match(reasons([], affine('web', [term('cache', 'zone')])), new RegExp(`3 ${ERR_AFFINITY.replace(/[()]/g, '\\$&')}`));
  assert.ok(schedule([], affine('first', [term('group', 'zone')], { app: 'group' })));
});

test("namespaces: terms look in the pod's own namespace by default", () => {
  const existing = [makePod('w1', { ns: 'other', labels: { app: 'web' }, nodeName: 'a1' }), makePod('w2', { ns: 'other', labels: { app: 'web' }, nodeName: 'a2' }), makePod('w3', { ns: 'other', labels: { app: 'web' }, nodeName: 'b1' })];
  assert.ok(schedule(existing, anti('mine', 'web', [term('web')])));
  const everywhere = anti('mine', 'web', [{ ...term('web'), namespaceSelector: {} }]);
  assert.throws(() => schedule(existing, everywhere), FitError);
});

test('preferred anti-affinity steers away, preferred affinity steers toward', () => {
  const existing = [makePod('w1', { labels: { app: 'web' }, nodeName: 'a1' }), makePod('w2', { labels: { app: 'web' }, nodeName: 'a2' })];
  const awayFromWeb = makePod('p', { spec: { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term('web', 'zone') }] } } } });
  for (let i = 0; i < 10; i++) assert.equal(schedule(existing, awayFromWeb), 'b1');
  const nearWeb = makePod('p', { spec: { affinity: { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term('web') }] } } } });
  for (let i = 0; i < 10; i++) assert.notEqual(schedule(existing, nearWeb), 'b1');
});

test('an invalid selector operator is an error naming the field', () => {
  const bad = makePod('p', { spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', labelSelector: { matchExpressions: [{ key: 'app', operator: 'Near', values: ['x'] }] } }] } } } });
  assert.throws(() => info(bad), /podAntiAffinity\.requiredDuringSchedulingIgnoredDuringExecution\[0\]\.labelSelector: "Near" is not a valid label selector operator/);
});
