import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from './log.js';
import { installProcessGuard } from './process-guard.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

function recordingLog() {
  const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
  const log: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (msg, fields) => void lines.push({ msg, fields }),
    child: () => log,
  };
  return { log, lines };
}

// In a child process: the test runner itself turns uncaught errors into test failures.
test('a thrown error and a rejected promise are logged and the process keeps running', async () => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const script = `
    const { installProcessGuard } = await import(${JSON.stringify(join(here, 'process-guard.js'))});
    const { logger } = await import(${JSON.stringify(join(here, 'log.js'))});
    installProcessGuard(logger('test'));
    setImmediate(() => { throw new Error('boom from a callback'); });
    Promise.reject(new Error('nobody listens'));
    setTimeout(() => console.log('still alive'), 50);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /still alive/);
  assert.match(r.stderr, /uncaughtException: kept running.*boom from a callback/);
  assert.match(r.stderr, /unhandledRejection: kept running.*nobody listens/);
});

test('each distinct error is logged once a minute at most, with the repeats counted', () => {
  const { log, lines } = recordingLog();
  let t = 0;
  const guard = installProcessGuard(log, () => t);
  try {
    const same = () => new Error('same');
    const e = same();
    for (let i = 0; i < 1000; i++) guard.report('uncaughtException', Object.assign(new Error('same'), { stack: e.stack }));
    guard.report('uncaughtException', new Error('other'));
    assert.equal(lines.length, 2);
    t += 61_000;
    guard.report('uncaughtException', Object.assign(new Error('same'), { stack: e.stack }));
    assert.equal(lines.length, 3);
    assert.equal(lines[2].fields?.repeatedSinceLastLog, 999);
    guard.report('unhandledRejection', 'a string reason');
    guard.report('unhandledRejection', undefined);
    assert.equal(lines.length, 5);
  } finally {
    guard.uninstall();
  }
});
