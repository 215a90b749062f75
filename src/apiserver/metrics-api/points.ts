// The last two samples of every node and container, and usage computed from them, as
// metrics-server's storage keeps them: CPU is the rate of the cumulative counter between the two
// samples (nanocores), memory the latest working set; the window is the time between the samples
// and the timestamp the latest one's. Each scrape replaces the whole set: a node or pod missing from
// it (scrape failed, pod gone) has no metrics until it has two samples again.

import type { Point, ResourceBatch } from './resource-metrics.js';

/** A fresh container's start counts as a first sample (CPU 0) once this long has passed, as metrics-server does. */
const FRESH_CONTAINER_MIN_MS = 10_000;

export interface Usage {
  /** Nanocores. */
  cpu: number;
  /** Bytes. */
  memory: number;
  /** ms since the epoch. */
  timestamp: number;
  windowMs: number;
}

export interface ContainerUsage {
  name: string;
  cpu: number;
  memory: number;
}

export interface PodUsage {
  containers: ContainerUsage[];
  timestamp: number;
  windowMs: number;
}

/** Usage between two samples, or undefined when they cannot be compared (a restart in between). */
export function usageBetween(last: Point, prev: Point): Usage | undefined {
  if (last.startTime < prev.startTime) return undefined;
  if (last.cumulativeCpu < prev.cumulativeCpu) return undefined;
  const windowMs = last.timestamp - prev.timestamp;
  if (!(windowMs > 0)) return undefined;
  return { cpu: Math.floor((last.cumulativeCpu - prev.cumulativeCpu) / (windowMs / 1000)), memory: last.memory, timestamp: last.timestamp, windowMs };
}

/** One scrape's results for every node: node name -> its batch (already checked against the pods' nodes). */
export type ScrapeResult = Map<string, ResourceBatch>;

export class MetricsPoints {
  private lastNodes = new Map<string, Point>();
  private prevNodes = new Map<string, Point>();
  private lastPods = new Map<string, Map<string, Point>>();
  private prevPods = new Map<string, Map<string, Point>>();

  /** `resolutionMs`: the scrape period (a fresh container's start is a usable first sample only within it). */
  constructor(private resolutionMs: number) {}

  store(result: ScrapeResult) {
    const lastNodes = new Map<string, Point>();
    const prevNodes = new Map<string, Point>();
    const lastPods = new Map<string, Map<string, Point>>();
    const prevPods = new Map<string, Map<string, Point>>();
    for (const [nodeName, batch] of result) {
      const np = batch.node;
      if (np && !lastNodes.has(nodeName)) {
        lastNodes.set(nodeName, np);
        const old = this.lastNodes.get(nodeName);
        const oldPrev = this.prevNodes.get(nodeName);
        if (old && np.timestamp > old.timestamp) prevNodes.set(nodeName, old);
        else if (old && oldPrev && oldPrev.timestamp < np.timestamp) prevNodes.set(nodeName, oldPrev);
      }
      for (const [podKey, containers] of batch.pods) {
        // The same pod from two nodes: the first wins (metrics-server logs a duplicate).
        if (lastPods.has(podKey)) continue;
        const last = new Map<string, Point>();
        const prev = new Map<string, Point>();
        const oldLast = this.lastPods.get(podKey);
        const oldPrev = this.prevPods.get(podKey);
        for (const [name, p] of containers) {
          last.set(name, p);
          const sinceStart = p.timestamp - p.startTime;
          if (p.startTime > 0 && p.startTime < p.timestamp && sinceStart < this.resolutionMs && sinceStart >= FRESH_CONTAINER_MIN_MS) {
            prev.set(name, { ...p, timestamp: p.startTime, cumulativeCpu: 0 });
            continue;
          }
          const ol = oldLast?.get(name);
          // Kept only if the container did not restart since (it started before the stored sample).
          if (!ol || !(p.startTime < ol.timestamp)) continue;
          if (p.timestamp > ol.timestamp) prev.set(name, ol);
          else {
            const op = oldPrev?.get(name);
            if (op && op.timestamp < p.timestamp) prev.set(name, op);
          }
        }
        lastPods.set(podKey, last);
        if (prev.size > 0) prevPods.set(podKey, prev);
      }
    }
    this.lastNodes = lastNodes;
    this.prevNodes = prevNodes;
    this.lastPods = lastPods;
    this.prevPods = prevPods;
  }

  node(name: string): Usage | undefined {
    const last = this.lastNodes.get(name);
    const prev = this.prevNodes.get(name);
    return last && prev ? usageBetween(last, prev) : undefined;
  }

  /** A pod's usage; undefined unless every container it reported has two comparable samples' worth (metrics-server leaves such pods out). */
  pod(namespace: string, name: string): PodUsage | undefined {
    const key = `${namespace}/${name}`;
    const last = this.lastPods.get(key);
    const prev = this.prevPods.get(key);
    if (!last || !prev) return undefined;
    const containers: ContainerUsage[] = [];
    let earliest: Usage | undefined;
    for (const [cname, lp] of last) {
      const pp = prev.get(cname);
      if (!pp) return undefined;
      const u = usageBetween(lp, pp);
      if (!u) continue;
      containers.push({ name: cname, cpu: u.cpu, memory: u.memory });
      if (!earliest || u.timestamp < earliest.timestamp) earliest = u;
    }
    if (!earliest) return { containers, timestamp: 0, windowMs: 0 };
    return { containers, timestamp: earliest.timestamp, windowMs: earliest.windowMs };
  }

  /** Counts for the server's own metrics and tests. */
  sizes() {
    return { nodes: this.prevNodes.size, pods: this.prevPods.size };
  }
}
