// A rate-limited, deduplicating work queue (client-go's semantics): an item queued several times is
// processed once; an item being processed is not handed out again until done, and if re-added
// meanwhile it is processed once more after; failures retry with per-item exponential backoff.

import { QueueMetrics, registerQueue, unregisterQueue } from './workqueue-metrics.js';

export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Reported as workqueue_*{name} (client-go's metrics); unnamed queues report nothing. */
  name?: string;
}

export class WorkQueue<T = string> {
  private queue: T[] = [];
  private queued = new Set<T>();
  private processing = new Set<T>();
  private dirtyWhileProcessing = new Set<T>();
  private failures = new Map<T, number>();
  private timers = new Set<NodeJS.Timeout>();
  private waiters: ((item: T | undefined) => void)[] = [];
  private shuttingDown = false;
  private metrics?: QueueMetrics<T>;

  constructor(private opts: WorkQueueOptions = {}) {
    if (opts.name) {
      this.metrics = new QueueMetrics<T>(opts.name, () => this.queue.length + this.dirtyWhileProcessing.size);
      registerQueue(this.metrics);
    }
  }

  add(item: T) {
    this.enqueue(item, true);
  }

  /** counted: a new add (an item re-queued by done() after being re-added while processed was counted then). */
  private enqueue(item: T, counted: boolean) {
    if (this.shuttingDown) return;
    if (this.processing.has(item)) {
      if (!this.dirtyWhileProcessing.has(item)) this.metrics?.added(item);
      this.dirtyWhileProcessing.add(item);
      return;
    }
    if (this.queued.has(item)) return;
    if (counted) this.metrics?.added(item);
    this.queued.add(item);
    const w = this.waiters.shift();
    if (w) {
      this.queued.delete(item);
      this.processing.add(item);
      this.metrics?.started(item);
      w(item);
    } else this.queue.push(item);
  }

  addAfter(item: T, ms: number) {
    if (this.shuttingDown) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.add(item);
    }, ms);
    this.timers.add(t);
  }

  /** Re-queue after an exponential backoff for this item: 5ms, 10ms, ... up to the maximum. */
  addRateLimited(item: T): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    this.metrics?.retried();
    const delay = Math.min((this.opts.baseDelayMs ?? 5) * 2 ** n, this.opts.maxDelayMs ?? 1000 * 1000);
    this.addAfter(item, delay);
    return delay;
  }

  forget(item: T) {
    this.failures.delete(item);
  }

  retries(item: T): number {
    return this.failures.get(item) ?? 0;
  }

  /** The next item, or undefined once shut down. */
  get(): Promise<T | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const item = this.queue.shift();
    if (item !== undefined) {
      this.queued.delete(item);
      this.processing.add(item);
      this.metrics?.started(item);
      return Promise.resolve(item);
    }
    return new Promise((r) => this.waiters.push(r));
  }

  done(item: T) {
    if (this.processing.has(item)) this.metrics?.finished(item);
    this.processing.delete(item);
    if (this.dirtyWhileProcessing.delete(item)) this.enqueue(item, false);
  }

  get length() {
    return this.queue.length;
  }

  shutdown() {
    this.shuttingDown = true;
    if (this.metrics) unregisterQueue(this.metrics);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters) w(undefined);
    this.waiters = [];
  }
}
