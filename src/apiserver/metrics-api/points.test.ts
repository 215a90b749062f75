import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsPoints, usageBetween } from './points.js';
import type { Point, ResourceBatch } from './resource-metrics.js';

const pt = (timestamp: number, cpuSeconds: number, memory: number, startTime = 0): Point => ({ timestamp, startTime, cumulativeCpu: Math.round(cpuSeconds * 1e9), memory });
const batch = (node: Point | undefined, pods: Record<string, Record<string, Point>> = {}): ResourceBatch => ({ node, pods: new Map(Object.entries(pods).map(([k, cs]) => [k, new Map(Object.entries(cs))])) });

describe('usage between two samples', () => {
  it('is the counter rate in nanocores and the latest memory', () => {
    assert.deepEqual(usageBetween(pt(20_000, 12, 200), pt(10_000, 7, 100)), { cpu: 500_000_000, memory: 200, timestamp: 20_000, windowMs: 10_000 });
  });
  it('is undefined for a counter that went down, a start that went back, or no time between', () => {
    assert.equal(usageBetween(pt(20_000, 1, 1), pt(10_000, 2, 1)), undefined);
    assert.equal(usageBetween(pt(20_000, 3, 1, 5), pt(10_000, 2, 1, 6)), undefined);
    assert.equal(usageBetween(pt(10_000, 3, 1), pt(10_000, 2, 1)), undefined);
  });
});

describe('MetricsPoints', () => {
  it('needs two scrapes, then reports the rate with its window and timestamp', () => {
    const m = new MetricsPoints(15_000);
    m.store(new Map([['n1', batch(pt(1000, 10, 5), { 'ns/p': { app: pt(1000, 1, 7, 1) } })]]));
    assert.equal(m.node('n1'), undefined);
    assert.equal(m.pod('ns', 'p'), undefined);
    m.store(new Map([['n1', batch(pt(16_000, 25, 6), { 'ns/p': { app: pt(16_000, 2.5, 8, 1) } })]]));
    assert.deepEqual(m.node('n1'), { cpu: 1_000_000_000, memory: 6, timestamp: 16_000, windowMs: 15_000 });
    assert.deepEqual(m.pod('ns', 'p'), { containers: [{ name: 'app', cpu: 100_000_000, memory: 8 }], timestamp: 16_000, windowMs: 15_000 });
  });

  it('keeps the previous sample when a scrape repeats the same timestamp', () => {
    const m = new MetricsPoints(15_000);
    m.store(new Map([['n1', batch(pt(1000, 10, 5))]]));
    m.store(new Map([['n1', batch(pt(2000, 11, 5))]]));
    m.store(new Map([['n1', batch(pt(2000, 11, 5))]]));
    assert.deepEqual(m.node('n1'), { cpu: 1_000_000_000, memory: 5, timestamp: 2000, windowMs: 1000 });
  });

  it('forgets a node or pod missing from a scrape', () => {
    const m = new MetricsPoints(15_000);
    m.store(new Map([['n1', batch(pt(1000, 10, 5))]]));
    m.store(new Map([['n1', batch(pt(2000, 11, 5))]]));
    m.store(new Map());
    assert.equal(m.node('n1'), undefined);
  });

  it('starts over after a container restart', () => {
    const m = new MetricsPoints(15_000);
    m.store(new Map([['n', batch(undefined, { 'a/p': { c: pt(1000, 5, 1, 500) } })]]));
    // Restarted at 1500: the new start is after the stored sample, so no previous sample is kept.
    m.store(new Map([['n', batch(undefined, { 'a/p': { c: pt(2000, 0.1, 1, 1500) } })]]));
    assert.equal(m.pod('a', 'p'), undefined);
    m.store(new Map([['n', batch(undefined, { 'a/p': { c: pt(3000, 0.6, 1, 1500) } })]]));
    assert.equal(m.pod('a', 'p')?.containers[0].cpu, 500_000_000);
  });

  it("uses a fresh container's start as its first sample once 10 s passed (within the resolution)", () => {
    const m = new MetricsPoints(60_000);
    m.store(new Map([['n', batch(undefined, { 'a/p': { c: pt(21_000, 5, 1, 1000) } })]]));
    assert.deepEqual(m.pod('a', 'p'), { containers: [{ name: 'c', cpu: 250_000_000, memory: 1 }], timestamp: 21_000, windowMs: 20_000 });
  });

  it('leaves a pod out while one of its containers has a single sample', () => {
    const m = new MetricsPoints(15_000);
    m.store(new Map([['n', batch(undefined, { 'a/p': { c: pt(1000, 1, 1, 1) } })]]));
    m.store(new Map([['n', batch(undefined, { 'a/p': { c: pt(2000, 2, 1, 1), d: pt(2000, 1, 1, 1500) } })]]));
    assert.equal(m.pod('a', 'p'), undefined);
  });

  it('reports the earliest container timestamp and its window for a pod', () => {
    const m = new MetricsPoints(15_000);
    m.store(new Map([['n', batch(undefined, { 'a/p': { c: pt(1000, 1, 1, 1), d: pt(1500, 1, 1, 1) } })]]));
    m.store(new Map([['n', batch(undefined, { 'a/p': { c: pt(3000, 2, 1, 1), d: pt(2500, 2, 1, 1) } })]]));
    const u = m.pod('a', 'p')!;
    assert.equal(u.timestamp, 2500);
    assert.equal(u.windowMs, 1000);
  });
});
