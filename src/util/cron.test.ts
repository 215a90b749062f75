import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronError, parseCron } from './cron.js';

// Local time: built with the Date constructor's local fields, compared the same way.
const at = (y: number, mo: number, d: number, h = 0, mi = 0) => new Date(y, mo - 1, d, h, mi);
const fmt = (t: Date) => `${t.getFullYear()}-${t.getMonth() + 1}-${t.getDate()} ${t.getHours()}:${String(t.getMinutes()).padStart(2, '0')}`;

test('next firing time, table', () => {
  const cases: [string, Date, string][] = [
    ['* * * * *', at(2026, 3, 10, 12, 0), '2026-3-10 12:01'],
    ['*/15 * * * *', at(2026, 3, 10, 12, 7), '2026-3-10 12:15'],
    ['*/15 * * * *', at(2026, 3, 10, 12, 45), '2026-3-10 13:00'],
    ['0 */6 * * *', at(2026, 3, 10, 12, 0), '2026-3-10 18:00'],
    ['0 */6 * * *', at(2026, 3, 10, 23, 59), '2026-3-11 0:00'],
    ['30 2 * * *', at(2026, 12, 31, 3, 0), '2027-1-1 2:30'],
    ['0 0 1 * *', at(2026, 1, 31, 0, 0), '2026-2-1 0:00'],
    ['0 0 29 2 *', at(2026, 3, 1), '2028-2-29 0:00'],
    ['0 9 * * mon-fri', at(2026, 3, 7, 10), '2026-3-9 9:00'], // Saturday -> Monday
    ['0 9 * * 7', at(2026, 3, 7, 10), '2026-3-8 9:00'], // 7 is Sunday
    ['0 0 13 * fri', at(2026, 3, 1), '2026-3-6 0:00'], // either day field: Friday 6th comes first
    ['5,10-12 * * * *', at(2026, 3, 10, 12, 5), '2026-3-10 12:10'],
    ['5/20 * * * *', at(2026, 3, 10, 12, 26), '2026-3-10 12:45'],
    ['0 0 * jan,jul *', at(2026, 3, 10), '2026-7-1 0:00'],
    ['@hourly', at(2026, 3, 10, 12, 30), '2026-3-10 13:00'],
    ['@daily', at(2026, 3, 10, 12, 30), '2026-3-11 0:00'],
    ['  0   1 * * *  ', at(2026, 3, 10, 12, 30), '2026-3-11 1:00'],
  ];
  for (const [expr, after, want] of cases) assert.equal(fmt(parseCron(expr).next(after)), want, `${expr} after ${fmt(after)}`);
});

test('seconds of the start time do not make a firing be skipped or repeated', () => {
  const s = parseCron('* * * * *');
  assert.equal(fmt(s.next(new Date(2026, 2, 10, 12, 0, 59, 999))), '2026-3-10 12:01');
  const n = s.next(new Date(2026, 2, 10, 12, 0, 30));
  assert.equal(n.getSeconds(), 0);
  assert.equal(fmt(s.next(n)), '2026-3-10 12:02');
});

test('malformed and hostile expressions are refused with a reason', () => {
  const cases: [string, RegExp][] = [
    ['', /5 fields/],
    ['* * * *', /5 fields/],
    ['* * * * * *', /5 fields/],
    ['60 * * * *', /minute: 60 is outside 0-59/],
    ['* 24 * * *', /hour: 24/],
    ['* * 0 * *', /day of month: 0/],
    ['* * * 13 *', /month: 13/],
    ['* * * * 8', /day of week: 8/],
    ['*/0 * * * *', /step must be at least 1/],
    ['5-1 * * * *', /runs backwards/],
    ['1-2-3 * * * *', /not a range/],
    ['x * * * *', /not a number/],
    ['* * * foo *', /not a number or a name/],
    ['-1 * * * *', /not a number/],
    ['1e3 * * * *', /not a number/],
    ['0 0 30 2 *', /never fires/],
    ['0 0 31 4,6,9,11 *', /never fires/],
    ['@every 5m', /unknown macro/],
    [`${'1,'.repeat(100)}1 * * * *`, /./],
    ['*'.repeat(500), /at most 200/],
  ];
  for (const [expr, re] of cases)
    assert.throws(
      () => parseCron(expr),
      (e: Error) => e instanceof CronError && re.test(e.message),
      expr.slice(0, 40),
    );
});
