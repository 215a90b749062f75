import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressLine, progressReporter } from './progress.js';
import { humanSize } from './human-size.js';

test('progress lines (snapshot): bar, percentage, sizes, rate', () => {
  const table: [number, number, number, string][] = [
    [0, 45_600_000, 0, 'importing web.tar  [                        ]   0%  0B/45.6MB  -'],
    [1_000_000, 45_600_000, 1000, 'importing web.tar  [>                       ]   2%  1.00MB/45.6MB  1.00MB/s'],
    [22_800_000, 45_600_000, 2000, 'importing web.tar  [===========>            ]  50%  22.8MB/45.6MB  11.4MB/s'],
    [45_600_000, 45_600_000, 4000, 'importing web.tar  [========================] 100%  45.6MB/45.6MB  11.4MB/s'],
    [500, 0, 1000, 'importing web.tar  500B  500B/s'],
    [60_000_000, 45_600_000, 1000, 'importing web.tar  [========================] 100%  60.0MB/45.6MB  60.0MB/s'],
  ];
  for (const [done, total, ms, want] of table) assert.equal(progressLine('importing web.tar', done, total, ms), want);
});

function harness(tty: boolean, quiet = false) {
  let t = 0;
  const out: string[] = [];
  const p = progressReporter('pulling x', { tty, write: (s) => void out.push(s), now: () => t, columns: 40, quiet });
  return { p, out, at: (ms: number) => void (t = ms) };
}

test('on a terminal: one line redrawn in place at most every 100 ms, cut to the width, cleared at the end', () => {
  const { p, out, at } = harness(true);
  p.update(0, 1000);
  at(50);
  p.update(100, 1000); // too soon: not drawn
  at(150);
  p.update(200, 1000);
  at(160);
  p.update(1000, 1000); // the last state is always drawn
  p.end();
  assert.equal(out.length, 4);
  for (const s of out.slice(0, 3)) {
    assert.ok(s.startsWith('\r') && s.endsWith('\x1b[K'), JSON.stringify(s));
    assert.ok(s.length - 4 <= 39, 'never wider than the terminal');
  }
  assert.equal(out[0], '\rpulling x  [                        ]  \x1b[K');
  assert.equal(out[3], '\r\x1b[K');
});

test('not a terminal: plain lines, the first and then one per 10 s; nothing to clear', () => {
  const { p, out, at } = harness(false);
  p.update(0, 1000);
  for (let ms = 1000; ms <= 25_000; ms += 1000) {
    at(ms);
    p.update(ms / 25, 1000);
  }
  p.end();
  assert.deepEqual(out, ['pulling x  [                        ]   0%  0B/1.00kB  -\n', 'pulling x  [=========>              ]  40%  400B/1.00kB  40B/s\n', 'pulling x  [==================>     ]  80%  800B/1.00kB  40B/s\n']);
});

test('--quiet: nothing at all', () => {
  for (const tty of [true, false]) {
    const { p, out } = harness(tty, true);
    p.update(0, 10);
    p.update(10, 10);
    p.end();
    assert.deepEqual(out, []);
  }
});

test('humanSize is decimal like docker', () => {
  assert.equal(humanSize(999), '999B');
  assert.equal(humanSize(1_040_000), '1.04MB');
  assert.equal(humanSize(123_456_789), '123MB');
  assert.equal(humanSize(-5), '0B');
  assert.equal(humanSize(1.5), '2B');
});
