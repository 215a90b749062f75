import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logFailure } from './best-effort.js';
import type { Logger } from './log.js';

test('a best-effort step that fails is logged once with its error and resolves to undefined', async () => {
  const lines: [string, Record<string, unknown> | undefined][] = [];
  const log = { debug() {}, info() {}, error() {}, warn: (m: string, f?: Record<string, unknown>) => void lines.push([m, f]), child: () => log } as unknown as Logger;
  assert.equal(await Promise.reject(new Error('EBUSY')).catch(logFailure(log, 'removing container', { id: 'c1' })), undefined);
  assert.deepEqual(lines, [['removing container failed', { id: 'c1', err: 'EBUSY' }]]);
});
