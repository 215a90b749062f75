// Event-loop delay in /metrics. A request that arrives while the loop is busy waits, unseen by any
// handler-side timer, until the loop is free; request histograms then look fine while clients see
// seconds. perf_hooks samples how late a timer fires (every 10 ms); each second the samples are
// folded into a histogram and the worst one is kept as a gauge. One monitor per process feeds every
// figure (a second one would sample the same thing at twice the cost).

import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Registry } from './metrics.js';

const RESOLUTION_MS = 10;
const SAMPLE_EVERY_MS = 1000;
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function registerEventLoopMetrics(registry: Registry) {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  // Samples include the timer's own period: what is beyond it is the lag.
  const lagSeconds = (ns: number) => Math.max(0, ns / 1e9 - RESOLUTION_MS / 1000);
  let worst = 0;
  let worstSinceScrape = 0;
  registry.gauge('nodejs_eventloop_lag_seconds', 'Worst event-loop delay in the last second, in seconds: how long a ready callback (an arrived request) may have waited.', () => worst);
  // As prom-client reports it: the worst delay since the previous scrape, then reset.
  registry.gauge('nodejs_eventloop_lag_max_seconds', 'Worst event-loop delay since the previous scrape, in seconds.', () => {
    const v = Math.max(worstSinceScrape, delay.count > 0 ? lagSeconds(delay.max) : 0);
    worstSinceScrape = 0;
    return v;
  });
  const histogram = registry.histogram('nodejs_eventloop_delay_seconds', `Event-loop delay samples (one per ${RESOLUTION_MS} ms timer tick), in seconds.`, BUCKETS);
  const fold = () => {
    const count = delay.count;
    if (count === 0) return;
    const percentiles = [...delay.percentiles].map(([p, ns]) => [p, lagSeconds(ns)] as [number, number]);
    histogram.add(cumulativeCounts(percentiles, count, BUCKETS), lagSeconds(delay.mean) * count, count);
    worst = lagSeconds(delay.max);
    worstSinceScrape = Math.max(worstSinceScrape, worst);
    delay.reset();
  };
  setInterval(fold, SAMPLE_EVERY_MS).unref();
}

/**
 * Prometheus bucket counts (samples <= each bound) from an HDR histogram's percentiles ([percentile,
 * value] pairs, ascending): the highest percentile whose value fits under a bound tells how many do.
 */
export function cumulativeCounts(percentiles: [number, number][], count: number, buckets: number[]): number[] {
  return buckets.map((b) => {
    let under = 0;
    for (const [p, v] of percentiles) if (v <= b) under = p;
    return Math.round((under / 100) * count);
  });
}
