// Kubernetes' max-in-flight filter: at most N read-only and M mutating non-long-running requests are
// served at once; the rest get 429 TooManyRequests with Retry-After: 1, which client-go honours by
// waiting and retrying. It bounds the work (memory, store load) the server takes on under a flood.

import { ApiError } from '../../api/errors.js';

export interface InflightLimits {
  /** --max-requests-inflight (default 400; 0: no limit). */
  maxReadOnly: number;
  /** --max-mutating-requests-inflight (default 200; 0: no limit). */
  maxMutating: number;
}

export const RETRY_AFTER_SECONDS = 1;

/** The 429 Status Kubernetes' filter answers with (its message, as a Status rather than plain text). */
export const tooManyRequests = () => new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds: RETRY_AFTER_SECONDS });

export class InflightLimiter {
  private readOnly = 0;
  private mutating = 0;

  constructor(private readonly limits: InflightLimits) {}

  /** A release function when there is room (call it exactly once, when the request's work is done), else undefined. */
  tryAcquire(mutating: boolean): (() => void) | undefined {
    const max = mutating ? this.limits.maxMutating : this.limits.maxReadOnly;
    const current = mutating ? this.mutating : this.readOnly;
    if (max > 0 && current >= max) return undefined;
    if (mutating) this.mutating++;
    else this.readOnly++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (mutating) this.mutating--;
      else this.readOnly--;
    };
  }

  get counts() {
    return { readOnly: this.readOnly, mutating: this.mutating };
  }
}
