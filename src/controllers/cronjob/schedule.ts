// Next run times of a cron schedule (parsed by src/api's CronJob schedule parser) in a time zone,
// as the CronJob controller needs them: the fields are matched against the wall clock of the zone
// (UTC when none is given), skipping whole days and hours that cannot match.

import { parseCronSchedule, type CronSchedule } from '../../api/kinds/workloads/cron.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

interface Wall {
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function wallClock(ms: number, timeZone: string): Wall {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', month: 'numeric', day: 'numeric', weekday: 'short', hour: 'numeric', minute: 'numeric' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { month: Number(parts.month), day: Number(parts.day), weekday: WEEKDAYS[parts.weekday], hour: Number(parts.hour), minute: Number(parts.minute) };
}

/** Whether the time zone is one this runtime knows (IANA names such as "Europe/Paris"). */
export function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function dayMatches(s: CronSchedule, w: Wall): boolean {
  const dom = s.daysOfMonth.has(w.day);
  const dow = s.daysOfWeek.has(w.weekday);
  // Cron's rule: when both day fields are restricted, either may match.
  if (!s.domStar && !s.dowStar) return dom || dow;
  return dom && dow;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The first scheduled time strictly after `afterMs`, or undefined if none within five years. */
export function nextRun(schedule: CronSchedule, afterMs: number, timeZone = 'UTC'): number | undefined {
  if (schedule.everySeconds !== undefined) {
    const step = Math.max(1, Math.round(schedule.everySeconds)) * 1000;
    return Math.floor(afterMs / 1000) * 1000 + step;
  }
  let t = Math.floor(afterMs / MINUTE) * MINUTE + MINUTE;
  const limit = afterMs + 5 * 366 * 24 * HOUR;
  while (t <= limit) {
    const w = wallClock(t, timeZone);
    if (!schedule.months.has(w.month) || !dayMatches(schedule, w)) {
      t += HOUR * (24 - w.hour) - MINUTE * w.minute; // to the next midnight
      continue;
    }
    if (!schedule.hours.has(w.hour)) {
      t += HOUR - MINUTE * w.minute;
      continue;
    }
    if (!schedule.minutes.has(w.minute)) {
      t += MINUTE;
      continue;
    }
    return t;
  }
  return undefined;
}

/** The most recent scheduled time in (earliest, now], and how many were missed in between. */
export function mostRecentRun(schedule: CronSchedule, earliestMs: number, nowMs: number, timeZone = 'UTC'): { time?: number; missed: number } {
  let time: number | undefined;
  let missed = 0;
  for (let t = nextRun(schedule, earliestMs, timeZone); t !== undefined && t <= nowMs; t = nextRun(schedule, t, timeZone)) {
    time = t;
    missed++;
    if (missed > 100) break; // Kubernetes gives up counting at 100 and just starts the latest
  }
  if (missed > 100) {
    // Jump close to now and find the latest from there.
    const back = mostRecentRun(schedule, nowMs - 24 * HOUR, nowMs, timeZone);
    return { time: back.time ?? time, missed };
  }
  return { time, missed };
}

export { parseCronSchedule };
