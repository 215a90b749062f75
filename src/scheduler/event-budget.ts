// A token bucket for the scheduler's routine events. Events are advice: under a burst of thousands
// of bindings, writing a "Scheduled" event per pod would halve the API server's bind rate, so
// Normal events beyond the budget are dropped (counted in a metric), the way kube's event
// broadcaster drops what its queue cannot hold. Warnings (FailedScheduling) are never dropped.

import { metrics } from '../util/metrics.js';

const dropped = metrics.counter('scheduler_events_dropped_total', 'Normal events the scheduler did not write because they exceeded its event budget.');

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private perSecond: number,
    private burst: number,
    private now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < 1) {
      dropped.inc();
      return false;
    }
    this.tokens -= 1;
    return true;
  }
}
