import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionUpToDate, controllerSelects, desiredHealthyOf, disruptionsAllowedOf, evictionSelects, needsScale, scaledValue, withDisruptionAllowedCondition } from './budget.js';

test('percentages resolve against the total, rounded up as the disruption controller asks', () => {
  assert.equal(scaledValue(3, 10, true), 3);
  assert.equal(scaledValue('50%', 3, true), 2);
  assert.equal(scaledValue('50%', 3, false), 1);
  assert.equal(scaledValue('80%', 5, true), 4);
  assert.equal(scaledValue('1%', 1, true), 1);
  assert.equal(scaledValue('0%', 7, true), 0);
  assert.equal(scaledValue('100%', 7, true), 7);
  assert.throws(() => scaledValue('abc', 3, true), /invalid value for IntOrString/);
  assert.throws(() => scaledValue('5.5%', 3, true), /invalid value/);
});

test('desiredHealthy: minAvailable as is or a rounded-up percentage; maxUnavailable subtracted, never below 0', () => {
  assert.equal(desiredHealthyOf({ minAvailable: 2 }, 5), 2);
  assert.equal(desiredHealthyOf({ minAvailable: '50%' }, 5), 3);
  assert.equal(desiredHealthyOf({ minAvailable: '34%' }, 3), 2);
  assert.equal(desiredHealthyOf({ maxUnavailable: 1 }, 3), 2);
  assert.equal(desiredHealthyOf({ maxUnavailable: '50%' }, 3), 1, 'maxUnavailable 50% of 3 rounds up to 2 unavailable');
  assert.equal(desiredHealthyOf({ maxUnavailable: 5 }, 3), 0);
  assert.equal(desiredHealthyOf({}, 3), 0);
});

test('needsScale: only integer minAvailable counts the matching pods', () => {
  assert.equal(needsScale({ minAvailable: 1 }), false);
  assert.equal(needsScale({ minAvailable: '10%' }), true);
  assert.equal(needsScale({ maxUnavailable: 0 }), true);
  assert.equal(needsScale({}), false);
});

test('disruptionsAllowed: healthy beyond desired, none when no pods are expected', () => {
  assert.equal(disruptionsAllowedOf(3, 2, 3), 1);
  assert.equal(disruptionsAllowedOf(1, 2, 3), 0);
  assert.equal(disruptionsAllowedOf(3, 0, 0), 0);
  assert.equal(disruptionsAllowedOf(2, 2, 2), 0);
});

test('selectors: the eviction ignores empty selectors, the controller matches all with one', () => {
  const empty = { spec: { selector: {} } };
  const app = { spec: { selector: { matchLabels: { app: 'web' } } } };
  assert.equal(evictionSelects(empty, { app: 'web' }), false);
  assert.equal(controllerSelects(empty, { app: 'web' }), true);
  assert.equal(controllerSelects({ spec: {} }, { app: 'web' }), false);
  assert.equal(evictionSelects(app, { app: 'web' }), true);
  assert.equal(evictionSelects(app, { app: 'db' }), false);
});

test('the DisruptionAllowed condition follows disruptionsAllowed and keeps its transition time', () => {
  const s = withDisruptionAllowedCondition({ disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, observedGeneration: 1 }, Date.UTC(2024, 0, 1));
  assert.deepEqual(s.conditions, [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 1, lastTransitionTime: '2024-01-01T00:00:00Z' }]);
  assert.equal(conditionUpToDate(s), true);
  const same = withDisruptionAllowedCondition({ ...s, disruptionsAllowed: 2 }, Date.UTC(2024, 0, 2));
  assert.equal(same.conditions?.[0].lastTransitionTime, '2024-01-01T00:00:00Z');
  const none = withDisruptionAllowedCondition({ ...s, disruptionsAllowed: 0 }, Date.UTC(2024, 0, 3));
  assert.equal(none.conditions?.[0].reason, 'InsufficientPods');
  assert.equal(none.conditions?.[0].lastTransitionTime, '2024-01-03T00:00:00Z');
  assert.equal(conditionUpToDate({ ...none, disruptionsAllowed: 1 }), false);
});
