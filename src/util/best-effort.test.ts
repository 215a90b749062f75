import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogOnce, errnoCode, ifMissing, ignoreError, ignoreIf, logFailure, logFailureOnce } from './best-effort.js';
import type { Logger } from './log.js';

function recorder() {
  const lines: [string, Record<string, unknown> | undefined][] = [];
  const log = { debug() {}, info() {}, error() {}, warn: (m: string, f?: Record<string, unknown>) => void lines.push([m, f]), child: () => log } as unknown as Logger;
  return { lines, log };
}

test('a best-effort step that fails is logged once with its error and resolves to undefined', async () => {
  const { lines, log } = recorder();
  assert.equal(await Promise.reject(new Error('EBUSY')).catch(logFailure(log, 'removing container', { id: 'c1' })), undefined);
  assert.deepEqual(lines, [['removing container failed', { id: 'c1', err: 'EBUSY' }]]);
});

test('logFailureOnce logs a repeated cause once, then again after the interval with the count dropped', async () => {
  const { lines, log } = recorder();
  let now = 0;
  const once = createLogOnce({ intervalMs: 1000, now: () => now });
  const fail = (msg: string) => Promise.reject(new Error(msg)).catch(logFailureOnce(log, 'deleting the table', { table: 't' }, once));
  for (let i = 0; i < 5; i++) assert.equal(await fail('EBUSY'), undefined);
  await fail('ENOMEM'); // another cause: its own line
  assert.deepEqual(lines, [
    ['deleting the table failed', { table: 't', err: 'EBUSY' }],
    ['deleting the table failed', { table: 't', err: 'ENOMEM' }],
  ]);
  now = 1500;
  await fail('EBUSY');
  await fail('EBUSY');
  assert.deepEqual(lines[2], ['deleting the table failed', { table: 't', err: 'EBUSY', suppressed: 4 }]);
  assert.equal(lines.length, 3);
});

test('createLogOnce remembers at most max keys, forgetting the oldest', () => {
  const once = createLogOnce({ max: 2, now: () => 0 });
  const emitted: string[] = [];
  for (const k of ['a', 'b', 'c', 'a', 'c']) once(k, () => emitted.push(k));
  assert.deepEqual(emitted, ['a', 'b', 'c', 'a']);
});

test('ifMissing resolves to undefined for any error; ignoreError too; ignoreIf picks', async () => {
  const enoent = Object.assign(new Error('no such file'), { code: 'ENOENT' });
  assert.equal(errnoCode(enoent), 'ENOENT');
  assert.equal(errnoCode('x'), undefined);
  assert.equal(await Promise.reject(enoent).catch(ifMissing), undefined);
  assert.equal(await Promise.reject(Object.assign(new Error('denied'), { code: 'EACCES' })).catch(ifMissing), undefined);
  assert.equal(await Promise.reject(new Error('gone')).catch(ignoreError('it may be gone')), undefined);
  const { lines, log } = recorder();
  const handler = ignoreIf((e) => errnoCode(e) === 'ENOENT', logFailure(log, 'removing x'));
  assert.equal(await Promise.reject(enoent).catch(handler), undefined);
  assert.equal(await Promise.reject(new Error('EBUSY')).catch(handler), undefined);
  assert.deepEqual(lines, [['removing x failed', { err: 'EBUSY' }]]);
});
