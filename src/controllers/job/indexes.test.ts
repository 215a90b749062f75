import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIndexes, parseIndexes } from './indexes.js';

test('completed indexes round-trip through the compressed form', () => {
  assert.equal(formatIndexes(new Set([0, 1, 2, 4, 6, 7])), '0-2,4,6-7');
  assert.deepEqual([...parseIndexes('0-2,4,6-7')], [0, 1, 2, 4, 6, 7]);
  assert.equal(formatIndexes(new Set()), '');
  assert.deepEqual([...parseIndexes(undefined)], []);
});
