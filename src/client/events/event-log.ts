// Kubernetes' event logger: remembers each event it let through (by key), so a repeat is written as
// a PATCH of the existing Event (count+1, lastTimestamp, message) instead of a new object.

import { Lru } from './lru.js';
import { eventTime, type Clock, type CoreEvent } from './types.js';

interface Observation {
  name: string;
  count: number;
  firstTimestamp: string;
}

export interface Observed {
  event: CoreEvent;
  /** Set for a repeat: what changed on the existing Event named event.metadata.name. */
  patch?: { count: number; lastTimestamp: string; message: string };
}

export class EventLog {
  private seen: Lru<Observation>;

  constructor(
    private now: Clock,
    cacheSize?: number,
  ) {
    this.seen = new Lru(cacheSize);
  }

  observe(e: CoreEvent, key: string): Observed {
    const now = eventTime(this.now());
    const last = this.seen.get(key);
    if (!last) {
      const event = { ...e, metadata: { ...e.metadata }, count: 1, firstTimestamp: now, lastTimestamp: now };
      this.seen.set(key, { name: e.metadata.name, count: 1, firstTimestamp: now });
      return { event };
    }
    last.count++;
    const event = { ...e, metadata: { ...e.metadata, name: last.name }, count: last.count, firstTimestamp: last.firstTimestamp, lastTimestamp: now };
    return { event, patch: { count: last.count, lastTimestamp: now, message: e.message } };
  }

  /** The API server no longer has the Event (deleted or expired): the next repeat creates it anew. */
  forget(key: string) {
    this.seen.delete(key);
  }
}
