// The kubelet's /metrics/resource (Prometheus text format 0.0.4), decoded as metrics-server decodes
// it: node_cpu_usage_seconds_total and node_memory_working_set_bytes for the node;
// container_cpu_usage_seconds_total, container_memory_working_set_bytes and
// container_start_time_seconds {container,namespace,pod} for containers; every other family is
// skipped. Points without a timestamp take the time of the request. The body comes from a node
// and is hostile: it is parsed line by line with bounds on its size, its lines and its series, and
// anything malformed fails the whole scrape of that node (as metrics-server's parser does).

/** One sample of a node or container: cumulative CPU in nanocore-seconds, working set in bytes. */
export interface Point {
  /** Milliseconds since the epoch (may have a fraction: start times are in float seconds). */
  timestamp: number;
  /** Start of the container, ms since the epoch; 0 when unknown (nodes). */
  startTime: number;
  cumulativeCpu: number;
  memory: number;
}

export interface ResourceBatch {
  node?: Point;
  /** "namespace/name" -> container name -> point. */
  pods: Map<string, Map<string, Point>>;
}

export interface ParseLimits {
  maxBytes: number;
  maxLineBytes: number;
  /** Series of the families we read (others are skipped but still count against maxLines). */
  maxSeries: number;
  maxLines: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxBytes: 32 << 20, maxLineBytes: 64 << 10, maxSeries: 200_000, maxLines: 1_000_000 };

export class ResourceMetricsError extends Error {
  override name = 'ResourceMetricsError';
}

const NODE_CPU = 'node_cpu_usage_seconds_total';
const NODE_MEM = 'node_memory_working_set_bytes';
const CONTAINER_CPU = 'container_cpu_usage_seconds_total';
const CONTAINER_MEM = 'container_memory_working_set_bytes';
const CONTAINER_START = 'container_start_time_seconds';
const WANTED = new Set([NODE_CPU, NODE_MEM, CONTAINER_CPU, CONTAINER_MEM, CONTAINER_START]);

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const INT = /^-?\d{1,19}$/;

/** A sample value as Prometheus writes it: a float, NaN, +Inf or -Inf. */
function parseValue(s: string, line: number): number {
  if (s === 'NaN') return Number.NaN;
  if (s === '+Inf' || s === 'Inf') return Number.POSITIVE_INFINITY;
  if (s === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new ResourceMetricsError(`line ${line}: invalid value "${s.slice(0, 40)}"`);
  return Number(s);
}

interface Sample {
  name: string;
  labels: Map<string, string>;
  value: number;
  /** The value as written (counters in plain decimal are read exactly: see nanos()). */
  raw: string;
  timestamp?: number;
}

/** One sample line (not a comment or blank), or an error naming the line. */
export function parseSampleLine(text: string, line: number): Sample {
  const m = METRIC_NAME.exec(text);
  if (!m) throw new ResourceMetricsError(`line ${line}: expected a metric name`);
  const name = m[0];
  let i = name.length;
  const labels = new Map<string, string>();
  if (text[i] === '{') {
    i++;
    for (;;) {
      while (text[i] === ' ') i++;
      if (text[i] === '}') {
        i++;
        break;
      }
      const ln = LABEL_NAME.exec(text.slice(i, i + 256));
      if (!ln) throw new ResourceMetricsError(`line ${line}: expected a label name`);
      i += ln[0].length;
      while (text[i] === ' ') i++;
      if (text[i] !== '=' || text[i + 1] !== '"') throw new ResourceMetricsError(`line ${line}: expected ="value" after label ${ln[0]}`);
      i += 2;
      let value = '';
      for (;;) {
        const c = text[i];
        if (c === undefined) throw new ResourceMetricsError(`line ${line}: unterminated label value`);
        if (c === '"') break;
        if (c === '\\') {
          const e = text[i + 1];
          if (e === 'n') value += '\n';
          else if (e === '\\' || e === '"') value += e;
          else throw new ResourceMetricsError(`line ${line}: invalid escape in label value`);
          i += 2;
          continue;
        }
        value += c;
        i++;
      }
      i++;
      if (labels.has(ln[0])) throw new ResourceMetricsError(`line ${line}: duplicate label ${ln[0]}`);
      labels.set(ln[0], value);
      while (text[i] === ' ') i++;
      if (text[i] === ',') i++;
      else if (text[i] !== '}') throw new ResourceMetricsError(`line ${line}: expected , or } in labels`);
    }
  }
  if (text[i] !== ' ' && text[i] !== '\t') throw new ResourceMetricsError(`line ${line}: expected a value after ${name}`);
  const rest = text
    .slice(i)
    .trim()
    .split(/[ \t]+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') throw new ResourceMetricsError(`line ${line}: expected "value [timestamp]"`);
  const value = parseValue(rest[0], line);
  let timestamp: number | undefined;
  if (rest.length === 2) {
    if (!INT.test(rest[1])) throw new ResourceMetricsError(`line ${line}: invalid timestamp "${rest[1].slice(0, 40)}"`);
    timestamp = Number(rest[1]);
  }
  return { name, labels, value, raw: rest[0], timestamp };
}

const usable = (v: number) => Number.isFinite(v) && v >= 0;

/**
 * Seconds as whole nanoseconds: a plain decimal exactly (digits, not a float times 1e9, so two
 * samples of a steady rate give exactly that rate); any other form as metrics-server does.
 */
export function nanos(raw: string, value: number): number {
  const m = /^\+?(\d{1,15})(?:\.(\d*))?$/.exec(raw);
  if (!m) return Math.floor(value * 1e9);
  return Number(m[1]) * 1e9 + Number((m[2] ?? '').slice(0, 9).padEnd(9, '0'));
}

/**
 * Decodes a /metrics/resource body. `now` (ms) stands in for missing timestamps. Incomplete points
 * are dropped as metrics-server drops them: a node without CPU, memory or a time; a pod any of
 * whose containers lacks CPU or memory (its metrics are not there yet).
 */
export function decodeResourceMetrics(body: string, now: number, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ResourceBatch {
  if (body.length > limits.maxBytes) throw new ResourceMetricsError(`response of ${body.length} bytes is over the limit of ${limits.maxBytes}`);
  const node: Point = { timestamp: 0, startTime: 0, cumulativeCpu: 0, memory: 0 };
  const pods = new Map<string, Map<string, Point>>();
  let series = 0;
  let lineNo = 0;
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf('\n', start);
    if (end < 0) end = body.length;
    lineNo++;
    if (lineNo > limits.maxLines) throw new ResourceMetricsError(`more than ${limits.maxLines} lines`);
    if (end - start > limits.maxLineBytes) throw new ResourceMetricsError(`line ${lineNo} is longer than ${limits.maxLineBytes} bytes`);
    const text = body.slice(start, end).replace(/\r$/, '');
    start = end + 1;
    const trimmed = text.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    // Families we do not read are skipped without parsing (a name check is enough to know).
    const nameMatch = METRIC_NAME.exec(trimmed);
    if (!nameMatch) throw new ResourceMetricsError(`line ${lineNo}: expected a metric name`);
    if (!WANTED.has(nameMatch[0])) continue;
    if (++series > limits.maxSeries) throw new ResourceMetricsError(`more than ${limits.maxSeries} series`);
    const s = parseSampleLine(trimmed, lineNo);
    if (!usable(s.value)) continue;
    const ts = s.timestamp ?? now;
    if (s.name === NODE_CPU) {
      node.cumulativeCpu = nanos(s.raw, s.value);
      node.timestamp = ts;
      continue;
    }
    if (s.name === NODE_MEM) {
      node.memory = Math.floor(s.value);
      node.timestamp = ts;
      continue;
    }
    const ns = s.labels.get('namespace');
    const pod = s.labels.get('pod');
    const container = s.labels.get('container');
    if (!ns || !pod || !container) continue;
    const key = `${ns}/${pod}`;
    let cs = pods.get(key);
    if (!cs) pods.set(key, (cs = new Map()));
    let p = cs.get(container);
    if (!p) cs.set(container, (p = { timestamp: 0, startTime: 0, cumulativeCpu: 0, memory: 0 }));
    if (s.name === CONTAINER_CPU) {
      p.cumulativeCpu = nanos(s.raw, s.value);
      p.timestamp = ts;
    } else if (s.name === CONTAINER_MEM) {
      p.memory = Math.floor(s.value);
      p.timestamp = ts;
    } else {
      p.startTime = s.value * 1000;
    }
  }
  const out: ResourceBatch = { pods: new Map() };
  if (node.timestamp && node.cumulativeCpu && node.memory) out.node = node;
  for (const [key, cs] of pods) {
    const complete = [...cs.values()].every((p) => p.cumulativeCpu > 0 && p.memory > 0 && p.timestamp > 0);
    if (complete && cs.size > 0) out.pods.set(key, cs);
  }
  return out;
}
