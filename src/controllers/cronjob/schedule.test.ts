import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mostRecentRun, nextRun, parseCronSchedule } from './schedule.js';

const at = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

test('next run of common schedules in UTC', () => {
  assert.equal(iso(nextRun(parseCronSchedule('*/5 * * * *'), at('2024-03-10T10:07:30Z'))), '2024-03-10T10:10:00.000Z');
  assert.equal(iso(nextRun(parseCronSchedule('0 3 * * *'), at('2024-03-10T10:07:00Z'))), '2024-03-11T03:00:00.000Z');
  assert.equal(iso(nextRun(parseCronSchedule('30 9 * * mon'), at('2024-03-10T10:00:00Z'))), '2024-03-11T09:30:00.000Z');
  assert.equal(iso(nextRun(parseCronSchedule('0 0 1 1 *'), at('2024-03-10T10:00:00Z'))), '2025-01-01T00:00:00.000Z');
  assert.equal(iso(nextRun(parseCronSchedule('* * * * *'), at('2024-03-10T10:00:00Z'))), '2024-03-10T10:01:00.000Z');
  assert.equal(iso(nextRun(parseCronSchedule('0 0 31 2 *'), at('2024-03-10T10:00:00Z'))), undefined);
});

test('day-of-month and day-of-week are ORed when both are restricted', () => {
  // The 15th, or any Friday: from Sunday 10 March 2024 the next is Friday 15th anyway; from the 16th, Friday 22nd.
  assert.equal(iso(nextRun(parseCronSchedule('0 0 15 * fri'), at('2024-03-16T00:00:00Z'))), '2024-03-22T00:00:00.000Z');
});

test('schedules follow the wall clock of a time zone', () => {
  // 09:00 in Paris is 08:00 UTC in winter (CET, UTC+1).
  assert.equal(iso(nextRun(parseCronSchedule('0 9 * * *'), at('2024-01-10T10:00:00Z'), 'Europe/Paris')), '2024-01-11T08:00:00.000Z');
});

test('the most recent missed run and the count of misses', () => {
  const r = mostRecentRun(parseCronSchedule('*/10 * * * *'), at('2024-03-10T10:00:00Z'), at('2024-03-10T10:35:00Z'));
  assert.equal(iso(r.time), '2024-03-10T10:30:00.000Z');
  assert.equal(r.missed, 3);
  assert.equal(mostRecentRun(parseCronSchedule('0 * * * *'), at('2024-03-10T10:00:00Z'), at('2024-03-10T10:35:00Z')).time, undefined);
});
