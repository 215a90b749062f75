import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cronScheduleError, parseCronSchedule } from './cron.js';

describe('cron schedules', () => {
  it('accepts what CronJobs accept', () => {
    for (const s of ['* * * * *', '*/15 0-6,22-23 * * *', '0 9 1-7 * MON', '30 2 ? JAN-MAR sun', '@hourly', '@weekly', '@every 1h30m', '5/10 * * * *', '0 0 1 */3 *']) {
      assert.equal(cronScheduleError(s), undefined, s);
    }
  });

  it('rejects malformed schedules with a reason', () => {
    assert.equal(cronScheduleError('* * * *'), 'expected exactly 5 fields, found 4: * * * *');
    assert.equal(cronScheduleError('60 * * * *'), 'end of range (60) above maximum (59): 60');
    assert.equal(cronScheduleError('5-1 * * * *'), 'beginning of range (5) beyond end of range (1): 5-1');
    assert.equal(cronScheduleError('*/0 * * * *'), 'step of range should be a positive number: */0');
    assert.equal(cronScheduleError('@often'), 'unrecognized descriptor: @often');
    assert.match(cronScheduleError('x * * * *') ?? '', /^failed to parse int from x/);
  });

  it('expands fields to their values', () => {
    const s = parseCronSchedule('0,30 9-17/4 * * MON-FRI');
    assert.deepEqual([...s.minutes], [0, 30]);
    assert.deepEqual([...s.hours], [9, 13, 17]);
    assert.deepEqual([...s.daysOfWeek], [1, 2, 3, 4, 5]);
    assert.equal(s.domStar, true);
    assert.equal(s.dowStar, false);
    assert.equal(parseCronSchedule('@every 90s').everySeconds, 90);
  });
});
