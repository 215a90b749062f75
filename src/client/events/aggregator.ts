// Kubernetes' event aggregation: events that differ only in their message (same source, object,
// type and reason) are "similar". Once maxEvents distinct messages were seen within the interval,
// further similar events become one combined event ("(combined from similar events): <latest
// message>") keyed by the similarity key, so the event log bumps its count instead of creating more.

import { Lru } from './lru.js';
import { sourceAndObject, type Clock, type CoreEvent } from './types.js';

export const COMBINED_PREFIX = '(combined from similar events): ';

export interface AggregatorOptions {
  /** Distinct messages before similar events are combined (client-go: 10). */
  maxEvents?: number;
  /** How long a group of similar events is remembered after its last event (client-go: 10 minutes). */
  intervalMs?: number;
  cacheSize?: number;
}

interface Group {
  messages: Set<string>;
  last: number;
}

export class EventAggregator {
  private groups: Lru<Group>;
  private maxEvents: number;
  private intervalMs: number;

  constructor(
    private now: Clock,
    opts: AggregatorOptions = {},
  ) {
    this.maxEvents = opts.maxEvents ?? 10;
    this.intervalMs = opts.intervalMs ?? 600_000;
    this.groups = new Lru(opts.cacheSize);
  }

  /** The event to log (the same one, or a combined one) and the key the event log files it under. */
  aggregate(e: CoreEvent): { event: CoreEvent; key: string } {
    const now = this.now();
    const similarKey = [...sourceAndObject(e), e.type, e.reason, e.reportingComponent, e.reportingInstance].join('\u0000');
    let g = this.groups.get(similarKey);
    if (!g || now - g.last > this.intervalMs) g = { messages: new Set(), last: now };
    g.last = now;
    g.messages.add(e.message);
    this.groups.set(similarKey, g);
    if (g.messages.size < this.maxEvents) return { event: e, key: exactKey(e) };
    // Keep the set at its bound: further messages still count as "over the limit".
    g.messages.delete(g.messages.values().next().value as string);
    return { event: { ...e, message: COMBINED_PREFIX + e.message }, key: similarKey };
  }
}

/** Identical events: same source, object, type, reason and message. */
export function exactKey(e: CoreEvent): string {
  return [...sourceAndObject(e), e.involvedObject.fieldPath ?? '', e.type, e.reason, e.message].join('\u0000');
}
