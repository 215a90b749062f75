// A named work queue reports client-go's workqueue_* families with its name; an unnamed one nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics } from '../util/metrics.js';
import { WorkQueue } from './workqueue.js';

const sample = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);

test('a named queue reports depth, adds, retries and durations under its name', async () => {
  const q = new WorkQueue<string>({ name: 'wq-test' });
  q.add('a');
  q.add('b');
  q.add('a'); // deduplicated: not an add
  let text = metrics.render();
  assert.equal(sample(text, /^workqueue_depth\{name="wq-test"\} (\S+)$/m), 2);
  assert.equal(sample(text, /^workqueue_adds_total\{name="wq-test"\} (\S+)$/m), 2);
  const item = await q.get();
  assert.equal(item, 'a');
  q.addRateLimited('a');
  q.done('a');
  text = metrics.render();
  assert.equal(sample(text, /^workqueue_depth\{name="wq-test"\} (\S+)$/m), 1);
  assert.equal(sample(text, /^workqueue_retries_total\{name="wq-test"\} (\S+)$/m), 1);
  assert.equal(sample(text, /^workqueue_queue_duration_seconds_count\{name="wq-test"\} (\S+)$/m), 1);
  assert.equal(sample(text, /^workqueue_work_duration_seconds_count\{name="wq-test"\} (\S+)$/m), 1);
  assert.match(text, /^workqueue_work_duration_seconds_bucket\{name="wq-test",le="1e-8"\} /m);
  q.shutdown();
  assert.doesNotMatch(metrics.render(), /^workqueue_depth\{name="wq-test"\}/m, 'a shut-down queue leaves no stale depth');
});

test('an item re-added while being worked on counts as one add', async () => {
  const q = new WorkQueue<string>({ name: 'wq-dirty' });
  q.add('a');
  const item = await q.get();
  q.add('a');
  q.add('a');
  q.done(item!);
  assert.equal(sample(metrics.render(), /^workqueue_adds_total\{name="wq-dirty"\} (\S+)$/m), 2);
  assert.equal(sample(metrics.render(), /^workqueue_depth\{name="wq-dirty"\} (\S+)$/m), 1);
  q.shutdown();
});

test('an unnamed queue reports nothing', () => {
  const before = metrics.render().match(/^workqueue_depth\{/gm)?.length ?? 0;
  const q = new WorkQueue<string>();
  q.add('x');
  assert.equal(metrics.render().match(/^workqueue_depth\{/gm)?.length ?? 0, before);
  q.shutdown();
});
