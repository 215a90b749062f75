// The shape every controller shares: handlers enqueue keys, workers reconcile them level-triggered
// from the informer caches, failures retry with per-key backoff and are logged once per step.

import type { Logger } from '../util/log.js';
import { metrics } from '../util/metrics.js';
import { WorkQueue } from '../client/workqueue.js';

const reconciles = metrics.counter('controller_reconcile_total', 'Reconciles by controller and result.');
const duration = metrics.histogram('controller_reconcile_duration_seconds', 'Reconcile latency by controller.');
const depth = metrics.gauge('controller_workqueue_depth', 'Items waiting in each controller\'s queue.');

export abstract class Controller {
  readonly queue = new WorkQueue<string>();
  private running = false;
  private depthTimer?: NodeJS.Timeout;

  constructor(readonly name: string, protected log: Logger, private workers = 2) {}

  /** Bring the world to what `key` declares. Throwing retries the key with backoff. */
  protected abstract reconcile(key: string): Promise<void>;

  start() {
    this.running = true;
    for (let i = 0; i < this.workers; i++) void this.work();
    this.depthTimer = setInterval(() => depth.set(this.queue.length, { controller: this.name }), 5000);
    this.depthTimer.unref();
  }

  stop() {
    this.running = false;
    clearInterval(this.depthTimer);
    this.queue.shutdown();
  }

  private async work() {
    while (this.running) {
      const key = await this.queue.get();
      if (key === undefined) return;
      const start = process.hrtime.bigint();
      try {
        await this.reconcile(key);
        this.queue.forget(key);
        reconciles.inc({ controller: this.name, result: 'success' });
      } catch (e) {
        reconciles.inc({ controller: this.name, result: 'error' });
        if (this.running) {
          const delay = this.queue.addRateLimited(key);
          this.log.warn('reconcile failed; retrying', { key, err: e, retryInMs: delay, attempt: this.queue.retries(key) });
        }
      } finally {
        duration.observe(Number(process.hrtime.bigint() - start) / 1e9, { controller: this.name });
        this.queue.done(key);
      }
    }
  }
}
