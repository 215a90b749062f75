// Cron schedules as CronJobs accept them: five fields (minute hour day-of-month month day-of-week)
// with *, ?, ranges, steps, lists and month/day names, or a descriptor (@hourly, @every 5m...).
// Parsing returns the allowed values per field so the CronJob controller can compute next runs.

export interface CronSchedule {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: Set<number>;
  months: Set<number>;
  daysOfWeek: Set<number>;
  /** Whether day-of-month / day-of-week were '*' or '?' (cron ORs the two only when both are restricted). */
  domStar: boolean;
  dowStar: boolean;
  /** For "@every <duration>": the interval in seconds. */
  everySeconds?: number;
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAYS = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

class CronError extends Error {}

function number(s: string, b: Bounds): number {
  const named = b.names?.[s.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(s)) throw new CronError(`failed to parse int from ${s}: strconv.Atoi: parsing "${s}": invalid syntax`);
  return Number(s);
}

/** One comma-separated part: *, ?, n, a-b, with an optional /step. */
function parseRange(part: string, b: Bounds, out: Set<number>) {
  const [range, stepText, ...rest] = part.split('/');
  if (rest.length > 0) throw new CronError(`too many slashes: ${part}`);
  let lo: number;
  let hi: number;
  if (range === '*' || range === '?') {
    lo = b.min;
    hi = b.max;
  } else {
    const [a, z, ...more] = range.split('-');
    if (more.length > 0) throw new CronError(`too many hyphens: ${part}`);
    lo = number(a, b);
    hi = z === undefined ? (stepText === undefined ? lo : b.max) : number(z, b);
  }
  const step = stepText === undefined ? 1 : number(stepText, { min: 0, max: 0 });
  if (lo < b.min) throw new CronError(`beginning of range (${lo}) below minimum (${b.min}): ${part}`);
  if (hi > b.max) throw new CronError(`end of range (${hi}) above maximum (${b.max}): ${part}`);
  if (lo > hi) throw new CronError(`beginning of range (${lo}) beyond end of range (${hi}): ${part}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${part}`);
  for (let v = lo; v <= hi; v += step) out.add(v);
}

function parseField(field: string, b: Bounds): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) parseRange(part, b, out);
  return out;
}

/** Go duration syntax, as "@every" takes it: 1h30m, 90s, 1.5h. */
function parseDuration(s: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * unit[m[2]];
    consumed = re.lastIndex;
  }
  if (consumed !== s.length || s.length === 0) throw new CronError(`failed to parse duration ${s}: time: invalid duration "${s}"`);
  return total;
}

/** Parses a schedule; throws an Error whose message is the reason it is invalid. */
export function parseCronSchedule(spec: string): CronSchedule {
  const s = spec.trim();
  if (s.startsWith('@every ')) {
    const everySeconds = parseDuration(s.slice('@every '.length).trim());
    return { minutes: new Set(), hours: new Set(), daysOfMonth: new Set(), months: new Set(), daysOfWeek: new Set(), domStar: true, dowStar: true, everySeconds };
  }
  let text = s;
  if (s.startsWith('@')) {
    const d = DESCRIPTORS[s];
    if (!d) throw new CronError(`unrecognized descriptor: ${s}`);
    text = d;
  }
  const fields = text.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: ${spec}`);
  const [min, hour, dom, month, dow] = fields.map((f, i) => parseField(f, FIELDS[i]));
  return { minutes: min, hours: hour, daysOfMonth: dom, months: month, daysOfWeek: dow, domStar: /^[*?]/.test(fields[2]), dowStar: /^[*?]/.test(fields[4]) };
}

/** The reason a schedule is invalid, or undefined when it is valid. */
export function cronScheduleError(spec: string): string | undefined {
  try {
    parseCronSchedule(spec);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
