// Kubernetes' event correlator, in client-go's order: aggregate similar events, fold identical ones
// into a count on one Event, then rate-limit per source+object. Pure and in memory: it decides what
// to write; the recorder writes it.

import { EventAggregator, type AggregatorOptions } from './aggregator.js';
import { EventLog, type Observed } from './event-log.js';
import { SpamFilter, type SpamFilterOptions } from './spam-filter.js';
import type { Clock, CoreEvent } from './types.js';

export interface CorrelatorOptions {
  now?: Clock;
  aggregation?: AggregatorOptions;
  spam?: SpamFilterOptions;
  cacheSize?: number;
}

export type Correlated = (Observed & { skip?: false; key: string }) | { skip: true };

export class EventCorrelator {
  private aggregator: EventAggregator;
  private log: EventLog;
  private spam: SpamFilter;

  constructor(opts: CorrelatorOptions = {}) {
    const now = opts.now ?? Date.now;
    this.aggregator = new EventAggregator(now, { cacheSize: opts.cacheSize, ...opts.aggregation });
    this.log = new EventLog(now, opts.cacheSize);
    this.spam = new SpamFilter(now, { cacheSize: opts.cacheSize, ...opts.spam });
  }

  correlate(e: CoreEvent): Correlated {
    const { event, key } = this.aggregator.aggregate(e);
    const observed = this.log.observe(event, key);
    if (!this.spam.allow(observed.event)) return { skip: true };
    return { ...observed, key };
  }

  /** The Event filed under key is gone from the API server. */
  forget(key: string) {
    this.log.forget(key);
  }
}
