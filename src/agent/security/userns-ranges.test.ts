// The hostUsers: false range allocator as a table: distinct ranges, reuse, exhaustion, release,
// persistence across a restart (a new allocator on the same file) and a changed pool.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserNsRanges, USERNS_RANGE_SIZE as S } from './userns-ranges.js';

type Step = [op: 'alloc' | 'release' | 'restart', pod: string, expect?: number | RegExp];

describe('UserNsRanges', () => {
  const cases: { name: string; count?: number; first?: number; steps: Step[] }[] = [
    {
      name: 'distinct ranges from the first',
      steps: [
        ['alloc', 'a', 16 * S],
        ['alloc', 'b', 17 * S],
        ['alloc', 'c', 18 * S],
      ],
    },
    {
      name: 'a pod keeps its range',
      steps: [
        ['alloc', 'a', 16 * S],
        ['alloc', 'b', 17 * S],
        ['alloc', 'a', 16 * S],
      ],
    },
    {
      name: 'a released range is reused, lowest first',
      steps: [
        ['alloc', 'a', 16 * S],
        ['alloc', 'b', 17 * S],
        ['release', 'a'],
        ['alloc', 'c', 16 * S],
        ['alloc', 'd', 18 * S],
      ],
    },
    {
      name: 'a bounded pool',
      count: 2,
      steps: [
        ['alloc', 'a', 16 * S],
        ['alloc', 'b', 17 * S],
        ['alloc', 'c', /no free user namespace range: all 2 ranges/],
        ['release', 'b'],
        ['alloc', 'c', 17 * S],
      ],
    },
    {
      name: 'a restart keeps the assignment',
      steps: [
        ['alloc', 'a', 16 * S],
        ['alloc', 'b', 17 * S],
        ['restart', ''],
        ['alloc', 'b', 17 * S],
        ['alloc', 'c', 18 * S],
        ['alloc', 'a', 16 * S],
      ],
    },
    {
      name: 'a release survives a restart',
      steps: [
        ['alloc', 'a', 16 * S],
        ['release', 'a'],
        ['restart', ''],
        ['alloc', 'b', 16 * S],
      ],
    },
    {
      name: 'another first id',
      first: S,
      steps: [
        ['alloc', 'a', S],
        ['alloc', 'b', 2 * S],
      ],
    },
  ];
  for (const t of cases)
    it(t.name, () => {
      const dir = mkdtempSync(join(tmpdir(), 'userns-ranges-'));
      try {
        const file = join(dir, 'state', 'userns-ranges.json');
        let r = new UserNsRanges({ file, count: t.count, first: t.first });
        for (const [op, pod, expect] of t.steps) {
          if (op === 'restart') r = new UserNsRanges({ file, count: t.count, first: t.first });
          else if (op === 'release') r.release(pod);
          else if (expect instanceof RegExp) assert.throws(() => r.allocate(pod), expect);
          else assert.deepEqual(r.allocate(pod), { hostId: expect, size: S }, `${pod}`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

  it('forgets persisted ranges outside a smaller pool, and a garbled file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'userns-ranges-'));
    try {
      const file = join(dir, 'r.json');
      writeFileSync(file, JSON.stringify({ a: 16 * S, b: 20 * S, c: 16 * S + 5 }));
      const r = new UserNsRanges({ file, count: 2 });
      assert.deepEqual(r.pods(), ['a']);
      assert.equal(r.get('b'), undefined);
      assert.equal(r.allocate('b').hostId, 17 * S);
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { a: 16 * S, b: 17 * S });
      writeFileSync(file, '{garbled');
      assert.deepEqual(new UserNsRanges({ file }).pods(), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a first id that is not a multiple of the range size', () => {
    assert.throws(() => new UserNsRanges({ first: 1000 }), /multiple of 65536/);
    assert.throws(() => new UserNsRanges({ first: 0 }), /multiple/);
  });
});
