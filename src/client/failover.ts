// What a failed attempt of a request means for the server pool: whether the server is to be marked
// bad, and whether the request may be sent again to another server. Kept apart from the client so
// the rule is one readable table (failover.test.ts).

/** Reads: sending them twice changes nothing. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** Marks whether an attempt's failure came after the request may have reached the server. */
const reached = new WeakMap<object, boolean>();

/** Tags an error with whether the request may have reached the server (returns the same error). */
export function reachedServer(e: unknown, hasReached: boolean): unknown {
  if (e && typeof e === 'object') reached.set(e, (reached.get(e) ?? false) || hasReached);
  return e;
}

/** Answers from a gateway in front of a server that cannot reach it: the server, not the request, failed. */
export function gatewayFailure(code: number | undefined): boolean {
  return code === 502 || code === 504;
}

export interface Failover {
  /** The server failed (connection refused or reset, timed out, TLS failed): back it off. */
  markBad: boolean;
  /** The request may go to the next server. */
  retry: boolean;
}

/**
 * e: the attempt's error, tagged by reachedServer (undefined: a gateway failure answered after the
 * request was sent; an untagged error is the client's own and fails the request alone).
 * An attempt stopped by the request's own deadline (signal) marks its server bad (it stalled) but
 * is not retried: the caller's time is up. Otherwise a failure before the request can have reached
 * the server is retried whatever the method, and one after only for reads.
 */
export function failoverOf(e: unknown, method: string, signal?: AbortSignal): Failover {
  // An error never tagged did not come from the connection (a bad header refused before sending).
  const wasReached = e === undefined ? true : e !== null && typeof e === 'object' ? reached.get(e) : undefined;
  if (wasReached === undefined) return { markBad: false, retry: false };
  if (signal?.aborted) return { markBad: true, retry: false };
  return { markBad: true, retry: !wasReached || SAFE_METHODS.has(method.toUpperCase()) };
}
