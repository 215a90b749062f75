import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deepEqual } from './equal.js';

test('deepEqual ignores key order and undefined members', () => {
  assert.ok(deepEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }));
  assert.ok(deepEqual({ a: 1, x: undefined }, { a: 1 }));
  assert.ok(!deepEqual({ a: [1, 2] }, { a: [2, 1] }));
  assert.ok(!deepEqual({ a: null }, { a: {} }));
  assert.ok(!deepEqual([], {}));
});
