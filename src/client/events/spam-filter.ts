// Kubernetes' event spam filter: a token bucket per source+object, so one misbehaving object cannot
// flood the store however many different events it produces. client-go's defaults: a burst of 25,
// then one event per 5 minutes. Repeats count too: a bumped count is a write as well.

import { Lru } from './lru.js';
import { sourceAndObject, type Clock, type CoreEvent } from './types.js';

export interface SpamFilterOptions {
  burst?: number;
  /** Milliseconds per token refilled (client-go: 1/300 per second). */
  refillEveryMs?: number;
  cacheSize?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class SpamFilter {
  private buckets: Lru<Bucket>;
  private burst: number;
  private refillEveryMs: number;

  constructor(
    private now: Clock,
    opts: SpamFilterOptions = {},
  ) {
    this.burst = opts.burst ?? 25;
    this.refillEveryMs = opts.refillEveryMs ?? 300_000;
    this.buckets = new Lru(opts.cacheSize);
  }

  /** True when the event may be written; takes a token if so. */
  allow(e: CoreEvent): boolean {
    const key = sourceAndObject(e).join('\u0000');
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) / this.refillEveryMs);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
