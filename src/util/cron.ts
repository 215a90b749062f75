// Five-field cron expressions (minute hour day-of-month month day-of-week), as crontab(5) and k3s'
// --etcd-snapshot-schedule-cron read them: `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`,
// lists `a,b`, month and weekday names (jan, mon), 7 as Sunday, and @hourly/@daily/@weekly/@monthly/
// @yearly. As in cron, when both day fields are restricted a day matching either one fires.
// Times are the machine's local time. Parsing is bounded (an expression is at most 200 characters);
// an expression that can never fire (30 February) is refused at parse time, not left to hang.

export interface CronSchedule {
  readonly source: string;
  /** The first firing time strictly after `after` (seconds and milliseconds zero). */
  next(after: Date): Date;
}

export class CronError extends Error {}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MACROS: Record<string, string> = { '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0', '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *' };

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  namesFrom?: number;
}
const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  // 7 is Sunday too; folded to 0 below.
  { name: 'day of week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
];

function value(text: string, f: FieldSpec): number {
  const i = f.names?.indexOf(text.toLowerCase()) ?? -1;
  if (i >= 0) return i + (f.namesFrom ?? 0);
  if (!/^\d{1,2}$/.test(text)) throw new CronError(`${f.name}: "${text}" is not a number${f.names ? ' or a name' : ''}`);
  const n = Number(text);
  if (n < f.min || n > f.max) throw new CronError(`${f.name}: ${n} is outside ${f.min}-${f.max}`);
  return n;
}

/** One field's allowed values, and whether it was `*` (unrestricted, for the day-field rule). */
function field(text: string, f: FieldSpec): { set: Set<number>; star: boolean } {
  const set = new Set<number>();
  const parts = text.split(',');
  if (parts.length > 60) throw new CronError(`${f.name}: too many list items`);
  for (const part of parts) {
    const m = /^([^/]+)(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) throw new CronError(`${f.name}: "${part}" is not a value, range or step`);
    const step = m[2] === undefined ? 1 : Number(m[2]);
    if (step < 1) throw new CronError(`${f.name}: step must be at least 1`);
    let lo: number;
    let hi: number;
    if (m[1] === '*') [lo, hi] = [f.min, f.max];
    else if (m[1].includes('-')) {
      const [a, b, ...extra] = m[1].split('-');
      if (extra.length) throw new CronError(`${f.name}: "${m[1]}" is not a range`);
      [lo, hi] = [value(a, f), value(b, f)];
      if (lo > hi) throw new CronError(`${f.name}: range ${m[1]} runs backwards`);
    } else {
      lo = value(m[1], f);
      // "5/15" means from 5 to the end in steps of 15, as in Vixie cron.
      hi = m[2] === undefined ? lo : f.max;
    }
    for (let v = lo; v <= hi; v += step) set.add(f.name === 'day of week' && v === 7 ? 0 : v);
  }
  return { set, star: text === '*' || text.startsWith('*/') };
}

export function parseCron(expression: string): CronSchedule {
  if (expression.length > 200) throw new CronError('a cron expression is at most 200 characters');
  const source = expression.trim();
  const expanded = MACROS[source.toLowerCase()] ?? source;
  if (expanded.startsWith('@')) throw new CronError(`unknown macro ${source}; use one of ${Object.keys(MACROS).join(', ')}`);
  const texts = expanded.split(/\s+/);
  if (texts.length !== 5) throw new CronError(`a cron expression has 5 fields (minute hour day-of-month month day-of-week), not ${texts.length}: "${source}"`);
  const [min, hour, dom, month, dow] = texts.map((t, i) => field(t, FIELDS[i]));
  const dayMatches = (d: Date) => {
    const a = dom.set.has(d.getDate());
    const b = dow.set.has(d.getDay());
    if (dom.star && dow.star) return true;
    if (dom.star) return b;
    if (dow.star) return a;
    return a || b;
  };
  const next = (after: Date): Date | undefined => {
    const t = new Date(after.getTime());
    t.setSeconds(0, 0);
    t.setMinutes(t.getMinutes() + 1);
    // Bounded: skipping whole months, days and hours that cannot match, five years is a few thousand steps.
    const limit = after.getTime() + 5 * 366 * 24 * 3600_000;
    while (t.getTime() <= limit) {
      if (!month.set.has(t.getMonth() + 1)) {
        t.setMonth(t.getMonth() + 1, 1);
        t.setHours(0, 0, 0, 0);
      } else if (!dayMatches(t)) {
        t.setDate(t.getDate() + 1);
        t.setHours(0, 0, 0, 0);
      } else if (!hour.set.has(t.getHours())) {
        t.setHours(t.getHours() + 1, 0, 0, 0);
      } else if (!min.set.has(t.getMinutes())) {
        t.setMinutes(t.getMinutes() + 1, 0, 0);
      } else return t;
    }
    return undefined;
  };
  if (!next(new Date(2000, 0, 1))) throw new CronError(`"${source}" never fires (no such date)`);
  return {
    source,
    next: (after) => {
      const n = next(after);
      if (!n) throw new CronError(`"${source}" does not fire within five years of ${after.toISOString()}`);
      return n;
    },
  };
}
