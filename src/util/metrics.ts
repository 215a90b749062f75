// A small Prometheus registry: counters, gauges and histograms rendered in the text exposition format.
// Each component registers its metrics on the process-wide registry; /metrics renders it.

import { registerEventLoopMetrics } from './event-loop-metrics.js';
import { registerProcessMetrics } from './process-metrics.js';

type Labels = Record<string, string>;
const labelKey = (l: Labels) =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}="${String(l[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

export class Counter implements Metric {
  readonly type = 'counter';
  private values = new Map<string, number>();
  /** collect: a total kept elsewhere (the process' CPU time), read at each scrape. */
  constructor(
    readonly name: string,
    readonly help: string,
    private collect?: () => number,
  ) {}
  inc(labels: Labels = {}, by = 1) {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  /** One series' increment with its label key made once (a hot path keeps it instead of its labels). */
  series(labels: Labels): (by?: number) => void {
    const k = labelKey(labels);
    return (by = 1) => this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render() {
    if (this.collect) this.values.set('', this.collect());
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

export class Gauge implements Metric {
  readonly type = 'gauge';
  private values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    private collect?: () => number | [Labels, number][],
  ) {}
  set(value: number, labels: Labels = {}) {
    this.values.set(labelKey(labels), value);
  }
  inc(labels: Labels = {}, by = 1) {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  dec(labels: Labels = {}, by = 1) {
    this.inc(labels, -by);
  }
  /** Drop a series (its object is gone), so it is no longer exported. */
  delete(labels: Labels = {}) {
    this.values.delete(labelKey(labels));
  }
  render() {
    if (this.collect) {
      const v = this.collect();
      if (typeof v === 'number') this.values.set('', v);
      else {
        // The collector lists every current series: one it no longer lists (a stopped queue) is gone, not stale.
        this.values.clear();
        for (const [l, n] of v) this.values.set(labelKey(l), n);
      }
    }
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

export const defaultBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class Histogram implements Metric {
  readonly type = 'histogram';
  private series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets = defaultBuckets,
  ) {}
  observe(value: number, labels: Labels = {}) {
    this.observer(labels)(value);
  }
  /** One series' observe with its label key made once (a hot path keeps it instead of its labels). */
  observer(labels: Labels): (value: number) => void {
    const k = labelKey(labels);
    return (value: number) => {
      let s = this.series.get(k);
      if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
      for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) s.counts[i]++;
      s.sum += value;
      s.count++;
    };
  }
  /** Samples counted elsewhere: per-bucket cumulative counts (as this histogram's buckets), their sum and count. */
  add(cumulative: number[], sum: number, count: number, labels: Labels = {}) {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) s.counts[i] += cumulative[i] ?? count;
    s.sum += sum;
    s.count += count;
  }
  /** Time an async operation in seconds. */
  async time<T>(labels: Labels, fn: () => Promise<T>): Promise<T> {
    const start = process.hrtime.bigint();
    try {
      return await fn();
    } finally {
      this.observe(Number(process.hrtime.bigint() - start) / 1e9, labels);
    }
  }
  render() {
    const out: string[] = [];
    for (const [k, s] of this.series) {
      const pre = k ? `${k},` : '';
      for (const [i, b] of this.buckets.entries()) out.push(`${this.name}_bucket{${pre}le="${b}"} ${s.counts[i]}`);
      out.push(`${this.name}_bucket{${pre}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return out;
  }
}

export class Registry {
  private metrics = new Map<string, Metric>();
  private get<T extends Metric>(name: string, make: () => T): T {
    const m = this.metrics.get(name);
    if (m) return m as T;
    const n = make();
    this.metrics.set(name, n);
    return n;
  }
  counter(name: string, help: string, collect?: () => number) {
    return this.get(name, () => new Counter(name, help, collect));
  }
  gauge(name: string, help: string, collect?: () => number | [Labels, number][]) {
    return this.get(name, () => new Gauge(name, help, collect));
  }
  histogram(name: string, help: string, buckets?: number[]) {
    return this.get(name, () => new Histogram(name, help, buckets));
  }
  /** Every family with its rendered samples (for a supervising process to merge into its page). */
  families(): { name: string; help: string; type: string; samples: string[] }[] {
    return [...this.metrics.values()].map((m) => ({ name: m.name, help: m.help, type: m.type, samples: m.render() }));
  }
  render(): string {
    const lines: string[] = [];
    for (const m of this.metrics.values()) {
      lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.render());
    }
    return lines.join('\n') + '\n';
  }
}

/** The process-wide registry, with process metrics every component gets for free. */
export const metrics = new Registry();
registerProcessMetrics(metrics);
metrics.gauge('nodejs_heap_used_bytes', 'V8 heap used in bytes.', () => process.memoryUsage().heapUsed);
registerEventLoopMetrics(metrics);
