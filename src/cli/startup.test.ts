// The start-up's disposer stack: newest first, a group together, each bounded, a failing one logged
// while the others still run, the start-up's own error kept, and an interrupted start-up unwound.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Startup, StartupAborted } from './startup.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('unwinds newest first, a group in parallel, once', async () => {
  const order: string[] = [];
  const s = new Startup(() => assert.fail('no warnings'));
  const step =
    (name: string, ms = 0) =>
    async () => {
      order.push(`${name}>`);
      await sleep(ms);
      order.push(`<${name}`);
    };
  s.add('store', 1000, step('store'));
  s.add('api', 1000, step('api'));
  s.add('controllers', 1000, step('controllers', 30), { group: 'clients' });
  s.add('agent', 1000, step('agent', 10), { group: 'clients' });
  assert.deepEqual(s.names, ['agent', 'controllers', 'api', 'store']);
  await Promise.all([s.unwind(), s.unwind()]);
  await s.unwind();
  assert.deepEqual(order, ['agent>', 'controllers>', '<agent', '<controllers', 'api>', '<api', 'store>', '<store']);
});

test('a failing or overrunning disposer is logged and the others still run; the original error is kept', async () => {
  const warnings: string[] = [];
  const stopped: string[] = [];
  const s = new Startup((msg, f) => void warnings.push(`${msg}: ${f.step}`));
  s.add('store', 1000, async () => void stopped.push('store'));
  s.add('api', 1000, async () => {
    throw new Error('close failed');
  });
  s.add('stuck', 30, () => new Promise(() => {}));
  const original = new Error('the node agent could not start: boom');
  const began = performance.now();
  await assert.rejects(
    s.run(async () => {
      throw original;
    }),
    (e) => e === original,
  );
  assert.ok(performance.now() - began < 900, 'the stuck disposer is cut short');
  assert.deepEqual(stopped, ['store']);
  assert.deepEqual(warnings, ['shutdown step did not finish in time; moving on: stuck', 'shutdown step failed: api']);
});

test('an interrupted start-up stops its pending step and unwinds', async () => {
  const stopped: string[] = [];
  const s = new Startup(() => {});
  s.add('store', 1000, async () => void stopped.push('store'));
  const run = s.run(async () => {
    s.check();
    await s.race(new Promise(() => {})); // a step that would never finish
  });
  setTimeout(() => s.abort('SIGINT'), 10);
  await assert.rejects(run, (e) => e instanceof StartupAborted && /SIGINT/.test(e.message));
  assert.deepEqual(stopped, ['store']);
  assert.throws(() => s.check(), StartupAborted);
});
