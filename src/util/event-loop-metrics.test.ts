import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cumulativeCounts } from './event-loop-metrics.js';
import { metrics } from './metrics.js';

test('bucket counts follow the percentiles of the delay samples', () => {
  // 100 samples: half at 1 ms, up to 90% at 20 ms, the rest at 2 s (a blocked loop).
  const percentiles: [number, number][] = [
    [0, 0.001],
    [50, 0.001],
    [90, 0.02],
    [100, 2],
  ];
  assert.deepEqual(cumulativeCounts(percentiles, 100, [0.0005, 0.005, 0.05, 1, 5]), [0, 50, 90, 90, 100]);
});

test('every process that has metrics reports event-loop lag', () => {
  const text = metrics.render();
  assert.match(text, /# TYPE nodejs_eventloop_lag_seconds gauge\nnodejs_eventloop_lag_seconds \d/);
  assert.match(text, /# TYPE nodejs_eventloop_delay_seconds histogram/);
});
