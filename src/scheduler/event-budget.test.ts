import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from './event-budget.js';

test('a burst is allowed, then the rate; tokens refill with time', () => {
  let now = 0;
  const b = new TokenBucket(2, 3, () => now);
  assert.deepEqual([b.take(), b.take(), b.take(), b.take()], [true, true, true, false]);
  now += 500;
  assert.deepEqual([b.take(), b.take()], [true, false]);
  now += 10_000;
  assert.deepEqual([b.take(), b.take(), b.take(), b.take()], [true, true, true, false]);
});
