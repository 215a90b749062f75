// Exponential back-off with jitter for reconnecting clients: after a failure wait base·2^n
// (capped), scaled by a random factor so that many clients cut off by the same server restart do
// not all come back in the same millisecond.

export interface BackoffOptions {
  baseMs?: number;
  maxMs?: number;
  /** Share of the delay that is random: 0.5 waits between 50% and 100% of the exponential step. */
  jitter?: number;
  random?: () => number;
}

export class Backoff {
  private failures = 0;

  constructor(private opts: BackoffOptions = {}) {}

  /** The delay before the next attempt, counting this call as one more failure. */
  next(): number {
    const { baseMs = 100, maxMs = 30_000, jitter = 0.5, random = Math.random } = this.opts;
    const step = Math.min(baseMs * 2 ** this.failures, maxMs);
    this.failures = Math.min(this.failures + 1, 30);
    return Math.round(step * (1 - jitter * random()));
  }

  reset() {
    this.failures = 0;
  }
}
