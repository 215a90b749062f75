import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles up to the maximum and starts again after reset', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000, 1000]);
    b.reset();
    assert.equal(b.next(), 100);
  });

  it('takes up to the jitter share off each step', () => {
    const low = new Backoff({ baseMs: 100, jitter: 0.5, random: () => 1 });
    assert.equal(low.next(), 50);
    const high = new Backoff({ baseMs: 100, jitter: 0.5, random: () => 0 });
    assert.equal(high.next(), 100);
  });
});
