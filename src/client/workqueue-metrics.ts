// client-go's workqueue metrics, with its names, labels (name = the queue's name) and buckets, so
// kube-controller-manager dashboards read gifee's controllers: depth, adds, time queued, time worked,
// retries, and how long the items being worked on have been at it. Read at scrape time from the
// queues alive now; a shut-down queue's series go away with it.

import { metrics } from '../util/metrics.js';

/** client-go's exponential buckets: 10 ns to 10 s, by tens. */
const BUCKETS = Array.from({ length: 10 }, (_, i) => 1e-8 * 10 ** i);

/** What a named queue reports; its own times are kept here, keyed by item. */
export class QueueMetrics<T> {
  private addedAt = new Map<T, bigint>();
  private startedAt = new Map<T, bigint>();

  constructor(
    readonly name: string,
    /** Items waiting (queued, or re-added while being worked on). */
    readonly depth: () => number,
  ) {}

  added(item: T) {
    adds.inc({ name: this.name });
    if (!this.addedAt.has(item)) this.addedAt.set(item, process.hrtime.bigint());
  }

  started(item: T) {
    const now = process.hrtime.bigint();
    const at = this.addedAt.get(item);
    this.addedAt.delete(item);
    if (at !== undefined) queueDuration.observe(Number(now - at) / 1e9, { name: this.name });
    this.startedAt.set(item, now);
  }

  finished(item: T) {
    const at = this.startedAt.get(item);
    this.startedAt.delete(item);
    if (at !== undefined) workDuration.observe(Number(process.hrtime.bigint() - at) / 1e9, { name: this.name });
  }

  retried() {
    retries.inc({ name: this.name });
  }

  /** Seconds of work in progress: the sum over items being worked on, and the longest one. */
  inProgress(): { total: number; longest: number } {
    const now = process.hrtime.bigint();
    let total = 0;
    let longest = 0;
    for (const at of this.startedAt.values()) {
      const s = Number(now - at) / 1e9;
      total += s;
      longest = Math.max(longest, s);
    }
    return { total, longest };
  }
}

/** The queues alive now (a queue registers at construction and leaves at shutdown). */
const live = new Set<QueueMetrics<unknown>>();

export function registerQueue<T>(m: QueueMetrics<T>) {
  live.add(m as QueueMetrics<unknown>);
}

export function unregisterQueue<T>(m: QueueMetrics<T>) {
  live.delete(m as QueueMetrics<unknown>);
}

/** One series per name: two queues of one name (a controller restarted in-process) add up. */
function perName(value: (m: QueueMetrics<unknown>) => number, combine: (a: number, b: number) => number = (a, b) => a + b): [Record<string, string>, number][] {
  const out = new Map<string, number>();
  for (const m of live) {
    const v = value(m);
    const prev = out.get(m.name);
    out.set(m.name, prev === undefined ? v : combine(prev, v));
  }
  return [...out].map(([name, v]) => [{ name }, v]);
}

metrics.gauge('workqueue_depth', 'Items waiting in each work queue.', () => perName((m) => m.depth()));
const adds = metrics.counter('workqueue_adds_total', 'Items added to each work queue.');
const queueDuration = metrics.histogram('workqueue_queue_duration_seconds', 'Seconds an item waited in the queue before a worker took it.', BUCKETS);
const workDuration = metrics.histogram('workqueue_work_duration_seconds', 'Seconds a worker spent on an item.', BUCKETS);
const retries = metrics.counter('workqueue_retries_total', 'Items re-queued with backoff after a failure.');
metrics.gauge('workqueue_unfinished_work_seconds', 'Seconds of work in progress not yet counted in work_duration (grows steadily when a worker is stuck).', () => perName((m) => m.inProgress().total));
metrics.gauge('workqueue_longest_running_processor_seconds', 'Seconds the longest item still being worked on has taken so far.', () => perName((m) => m.inProgress().longest, Math.max));
