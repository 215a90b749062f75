import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Behavior, ScalingHistory } from './normalize.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const defaultBehavior = (over: Behavior = {}): Behavior => ({
  scaleUp: {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
    ...over.scaleUp,
  },
  scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }], ...over.scaleDown },
});

test('without behavior: min/max, the fixed scale-up limit, the downscale window', () => {
  const c = clock();
  const h = new ScalingHistory(300_000, c.now);
  h.recordInitial('k', 2);
  assert.deepEqual(h.normalize('k', 2, 20, 1, 10), { replicas: 4, able: { reason: 'ReadyForNewScale', message: 'recommended size matches current size' }, limited: { status: true, reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' } });
  assert.equal(h.normalize('k', 8, 20, 1, 10).limited.reason, 'TooManyReplicas');
  assert.equal(h.normalize('k', 8, 20, 1, 10).replicas, 10);
  // A lower proposal within 5 minutes of a higher one is held at the highest.
  c.advance(60_000);
  const held = h.normalize('k', 10, 3, 1, 10);
  assert.equal(held.replicas, 10);
  assert.equal(held.able.reason, 'ScaleDownStabilized');
  c.advance(300_001);
  assert.equal(h.normalize('k', 10, 3, 1, 10).replicas, 3);
  assert.deepEqual(h.normalize('fresh', 3, 0, 2, 10).limited, { status: true, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' });
});

test('behavior: scale-up policies per period, Max and Min', () => {
  const c = clock();
  const h = new ScalingHistory(300_000, c.now);
  h.recordInitial('k', 1);
  // Max of +4 pods and +100%: from 1, 5.
  const r = h.normalizeWithBehavior('k', 1, 20, 1, 50, defaultBehavior());
  assert.deepEqual([r.replicas, r.limited.reason], [5, 'ScaleUpLimit']);
  h.storeScaleEvent('k', defaultBehavior(), 1, 5);
  // Within the same 15 s period the period started at 1: still at most 5.
  c.advance(5000);
  assert.equal(h.normalizeWithBehavior('k', 5, 20, 1, 50, defaultBehavior()).replicas, 5);
  c.advance(11_000);
  assert.equal(h.normalizeWithBehavior('k', 5, 20, 1, 50, defaultBehavior()).replicas, 10);
  // Min picks the smaller change.
  const min = defaultBehavior({ scaleUp: { selectPolicy: 'Min' } });
  const h2 = new ScalingHistory(300_000, c.now);
  assert.equal(h2.normalizeWithBehavior('x', 10, 50, 1, 100, min).replicas, 14);
  // Disabled never scales up.
  const off = defaultBehavior({ scaleUp: { selectPolicy: 'Disabled' } });
  assert.deepEqual(h2.normalizeWithBehavior('y', 3, 9, 1, 100, off).replicas, 3);
});

test('behavior: scale-down window (default from the controller) and rate', () => {
  const c = clock();
  const h = new ScalingHistory(300_000, c.now);
  const b = defaultBehavior({ scaleDown: { stabilizationWindowSeconds: 30, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } });
  h.recordInitial('k', 6);
  const held = h.normalizeWithBehavior('k', 6, 2, 1, 10, b);
  assert.deepEqual([held.replicas, held.able.reason], [6, 'ScaleDownStabilized']);
  c.advance(31_000);
  const r = h.normalizeWithBehavior('k', 6, 2, 1, 10, b);
  assert.deepEqual([r.replicas, r.limited.reason, r.limited.status], [5, 'ScaleDownLimit', true]);
  h.storeScaleEvent('k', b, 6, 5);
  c.advance(10_000);
  assert.equal(h.normalizeWithBehavior('k', 5, 2, 1, 10, b).replicas, 5);
  // Unset window: the controller's downscale stabilization applies.
  const h2 = new ScalingHistory(120_000, c.now);
  const unset = defaultBehavior();
  h2.recordInitial('z', 4);
  c.advance(60_000);
  assert.equal(h2.normalizeWithBehavior('z', 4, 1, 1, 10, unset).replicas, 4);
  c.advance(61_000);
  assert.equal(h2.normalizeWithBehavior('z', 4, 1, 1, 10, unset).replicas, 1);
});

test('behavior: a scale-up window holds the lowest recent recommendation', () => {
  const c = clock();
  const h = new ScalingHistory(300_000, c.now);
  const b = defaultBehavior({ scaleUp: { stabilizationWindowSeconds: 60 } });
  h.recordInitial('k', 2);
  const r = h.normalizeWithBehavior('k', 2, 4, 1, 10, b);
  assert.deepEqual([r.replicas, r.able.reason], [2, 'ScaleUpStabilized']);
  c.advance(61_000);
  assert.equal(h.normalizeWithBehavior('k', 2, 4, 1, 10, b).replicas, 4);
});
