import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionOf, DEFAULT_EVICTION_HARD, parseEvictionThresholds, parseSoftThresholds, thresholdAmount, thresholdsMet } from './thresholds.js';

const MI = 1024 ** 2;

test('parses the kubelet syntax: quantities and percentages', () => {
  const cases: { in: string; want: { signal: string; quantity?: number; percentage?: number }[] }[] = [
    { in: 'memory.available<100Mi', want: [{ signal: 'memory.available', quantity: 100 * MI }] },
    {
      in: 'memory.available<1Gi,nodefs.available<10%',
      want: [
        { signal: 'memory.available', quantity: 1024 * MI },
        { signal: 'nodefs.available', percentage: 0.1 },
      ],
    },
    {
      in: ' pid.available < 1000 , nodefs.inodesFree<5% ',
      want: [
        { signal: 'pid.available', quantity: 1000 },
        { signal: 'nodefs.inodesFree', percentage: 0.05 },
      ],
    },
    {
      in: 'imagefs.available<15%,imagefs.inodesFree<2.5%',
      want: [
        { signal: 'imagefs.available', percentage: 0.15 },
        { signal: 'imagefs.inodesFree', percentage: 0.025 },
      ],
    },
    { in: 'memory.available<0', want: [{ signal: 'memory.available', quantity: 0 }] },
    { in: '', want: [] },
  ];
  for (const c of cases)
    assert.deepEqual(
      parseEvictionThresholds(c.in).map(({ text: _t, ...rest }) => rest),
      c.want,
      c.in,
    );
});

test("the defaults are the kubelet's", () => {
  assert.deepEqual(
    parseEvictionThresholds(DEFAULT_EVICTION_HARD).map((t) => `${t.signal}<${t.text}`),
    ['memory.available<100Mi', 'nodefs.available<10%', 'nodefs.inodesFree<5%', 'imagefs.available<15%', 'imagefs.inodesFree<5%'],
  );
});

test('hostile input is refused with what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['memory.available>100Mi', /unsupported operator ">"/],
    ['memory.available<=100Mi', /unsupported operator "<="/],
    ['memory.available', /no operator/],
    ['memory.free<1Gi', /unknown eviction signal "memory.free"/],
    ['memory.available<1Gi,memory.available<2Gi', /given twice/],
    ['memory.available<-1Gi', /not a quantity|negative/],
    ['memory.available<lots', /not a quantity/],
    ['nodefs.available<0%', /above 0%/],
    ['nodefs.available<101%', /at most 100%/],
    ['nodefs.available<x%', /not a percentage/],
    ['memory.available<1Gi,,', /empty threshold/],
    ['constructor<1', /unknown eviction signal/],
  ];
  for (const [s, re] of cases) assert.throws(() => parseEvictionThresholds(s), re, s);
});

test('a threshold is met when what is available falls below it', () => {
  const ts = parseEvictionThresholds('memory.available<100Mi,nodefs.available<10%,pid.available<100');
  const cases: { name: string; obs: Parameters<typeof thresholdsMet>[1]; want: string[] }[] = [
    { name: 'plenty', obs: { 'memory.available': { available: 200 * MI, capacity: 1000 * MI }, 'nodefs.available': { available: 50, capacity: 100 } }, want: [] },
    { name: 'memory low', obs: { 'memory.available': { available: 99 * MI, capacity: 1000 * MI } }, want: ['memory.available'] },
    { name: 'exactly at the threshold is not below it', obs: { 'memory.available': { available: 100 * MI, capacity: 1000 * MI } }, want: [] },
    { name: 'disk by percentage of capacity', obs: { 'nodefs.available': { available: 9, capacity: 100 } }, want: ['nodefs.available'] },
    { name: 'pids', obs: { 'pid.available': { available: 50, capacity: 32768 } }, want: ['pid.available'] },
    { name: 'nothing observed: nothing met', obs: {}, want: [] },
    { name: 'NaN observation: not met', obs: { 'memory.available': { available: NaN, capacity: 1 } }, want: [] },
  ];
  for (const c of cases)
    assert.deepEqual(
      thresholdsMet(ts, c.obs).map((t) => t.signal),
      c.want,
      c.name,
    );
  assert.equal(thresholdAmount(ts[1], 1000), 100);
  assert.equal(conditionOf('imagefs.inodesFree'), 'DiskPressure');
});

test('soft thresholds: each needs its grace period, and a grace period needs its threshold', () => {
  const secs = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN) * 1000;
  const soft = parseSoftThresholds('memory.available<500Mi,nodefs.available<20%', 'memory.available=90s, nodefs.available=120s', secs);
  assert.deepEqual(
    soft.map((t) => [t.signal, t.gracePeriodMs]),
    [
      ['memory.available', 90_000],
      ['nodefs.available', 120_000],
    ],
  );
  assert.throws(() => parseSoftThresholds('memory.available<500Mi', '', secs), /needs a grace period: add memory.available=DURATION/);
  assert.throws(() => parseSoftThresholds('memory.available<500Mi', 'memory.available=90s,pid.available=10s', secs), /grace period for pid.available, which has no soft threshold/);
  assert.throws(() => parseSoftThresholds('', 'bogus=1s', secs), /unknown eviction signal "bogus"/);
  assert.throws(() => parseSoftThresholds('memory.available<1Gi', 'memory.available', secs), /expected SIGNAL=DURATION/);
});
