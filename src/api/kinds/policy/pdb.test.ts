import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../kind.js';
import { podDisruptionBudget } from './pdb.js';

const validate = (spec: Record<string, unknown>, status?: Record<string, unknown>) => podDisruptionBudget.validate!({ metadata: { name: 'b' }, spec, ...(status ? { status } : {}) } as KObject);
const fields = (spec: Record<string, unknown>, status?: Record<string, unknown>) => validate(spec, status).map((e) => `${e.field}: ${e.message}`);

test('a budget takes minAvailable or maxUnavailable as a count or a percentage, not both', () => {
  assert.deepEqual(fields({ minAvailable: 2, selector: { matchLabels: { app: 'zk' } } }), []);
  assert.deepEqual(fields({ minAvailable: '80%', selector: {} }), []);
  assert.deepEqual(fields({ maxUnavailable: 1 }), []);
  const both = fields({ minAvailable: 1, maxUnavailable: 1 });
  assert.equal(both.length, 1);
  assert.match(both[0], /^spec: Invalid value: .*minAvailable and maxUnavailable cannot be both set$/);
});

test('counts and percentages are checked as Kubernetes checks them', () => {
  assert.deepEqual(fields({ minAvailable: -1 }), ['spec.minAvailable: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(fields({ maxUnavailable: '101%' }), ['spec.maxUnavailable: Invalid value: "101%": must not be greater than 100%']);
  assert.match(fields({ minAvailable: 'half' })[0], /^spec.minAvailable: Invalid value: "half": a valid percent string/);
  assert.match(fields({ unhealthyPodEvictionPolicy: 'Sometimes' })[0], /^spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"$/);
  assert.match(fields({ selector: { matchExpressions: [{ key: 'app', operator: 'In' }] } })[0], /^spec.selector.matchExpressions\[0\].values: Required value/);
  assert.deepEqual(fields({}, { disruptionsAllowed: -1, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }), ['status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0']);
});

test('printer columns: N/A for the unset limit, allowed disruptions from status', () => {
  const cols = podDisruptionBudget.printerColumns!;
  const obj = { metadata: { name: 'zk' }, spec: { minAvailable: '80%' }, status: { disruptionsAllowed: 1 } } as KObject;
  assert.deepEqual(
    cols.map((c) => c.name),
    ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age'],
  );
  assert.deepEqual(
    cols.slice(1, 4).map((c) => c.cell!(obj)),
    ['80%', 'N/A', 1],
  );
});
