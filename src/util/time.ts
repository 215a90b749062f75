// Timestamps as the API writes them. metav1.Time is RFC 3339 with second precision
// ("2026-11-25T06:00:00Z"); metav1.MicroTime (Lease renewTime, Event eventTime) has microseconds.

/** RFC 3339 at second precision: a metav1.Time. Defaults to now. */
export const rfc3339 = (at: number | Date = Date.now()): string => new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');

/** RFC 3339 with microseconds ("...T06:00:00.123000Z"): a metav1.MicroTime. Defaults to now. */
export const rfc3339Micro = (at: number | Date = Date.now()): string => new Date(at).toISOString().replace(/Z$/, '000Z');
