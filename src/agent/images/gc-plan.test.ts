import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToFree, DEFAULT_IMAGE_GC_POLICY, collectionOrder, type GcCandidate, policyProblem } from './gc-plan.js';

const GiB = 1024 ** 3;

test('bytesToFree: nothing below the high threshold, down to the low one at or past it', () => {
  const cases: { capacity: number; available: number; want: number; high?: number; low?: number }[] = [
    { capacity: 100 * GiB, available: 20 * GiB, want: 0 }, // 80% used < 85%
    { capacity: 100 * GiB, available: 15 * GiB, want: 5 * GiB }, // exactly 85%: free to 80%
    { capacity: 100 * GiB, available: 5 * GiB, want: 15 * GiB },
    { capacity: 100 * GiB, available: 0, want: 20 * GiB },
    { capacity: 100 * GiB, available: 1 * GiB, want: 0, high: 100 }, // 100 turns collection off
    { capacity: 0, available: 0, want: 0 }, // nothing reported
    { capacity: 100, available: 10, want: 90, high: 50, low: 0 }, // low 0: free everything
  ];
  for (const c of cases) {
    const p = { ...DEFAULT_IMAGE_GC_POLICY, highThresholdPercent: c.high ?? 85, lowThresholdPercent: c.low ?? 80 };
    assert.equal(bytesToFree(c.capacity, c.available, p), c.want, JSON.stringify(c));
  }
});

test('collectionOrder: unused images old enough, least recently used first', () => {
  const now = 1_000_000;
  const img = (id: string, lastUsedMs: number, o: Partial<GcCandidate> = {}): GcCandidate => ({ id, firstSeenMs: 0, lastUsedMs, inUse: false, ...o });
  const images = [img('recent', 900_000), img('old', 100), img('used', 0, { inUse: true }), img('young', 0, { firstSeenMs: now - 1000 }), img('older', 50), img('tie-b', 500), img('tie-a', 500), img('seen-later', 500, { firstSeenMs: 10 })];
  const ids = (minAge: number) => collectionOrder(images, now, minAge).map((i) => i.id);
  assert.deepEqual(ids(120_000), ['older', 'old', 'tie-a', 'tie-b', 'seen-later', 'recent'], 'never the one in use nor the young one');
  assert.deepEqual(ids(0), ['young', 'older', 'old', 'tie-a', 'tie-b', 'seen-later', 'recent'], 'minimum age 0 lets the young one go');
  assert.deepEqual(collectionOrder([], now, 0), []);
});

test('policyProblem: thresholds are percentages and low is not above high', () => {
  assert.equal(policyProblem(DEFAULT_IMAGE_GC_POLICY), undefined);
  assert.match(policyProblem({ ...DEFAULT_IMAGE_GC_POLICY, highThresholdPercent: 101 }) ?? '', /--image-gc-high-threshold must be a whole percentage/);
  assert.match(policyProblem({ ...DEFAULT_IMAGE_GC_POLICY, lowThresholdPercent: -1 }) ?? '', /--image-gc-low-threshold/);
  assert.match(policyProblem({ ...DEFAULT_IMAGE_GC_POLICY, lowThresholdPercent: 90 }) ?? '', /can not be higher than/);
  assert.match(policyProblem({ ...DEFAULT_IMAGE_GC_POLICY, highThresholdPercent: 85.5 }) ?? '', /whole percentage/);
});
