// The forced-exit watchdog fires even when the process's event loop never comes back (a main-thread
// timer would not), and a bounded shutdown step that overruns is logged and left behind.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bounded } from './forced-exit.js';

test('the watchdog kills a process whose event loop is blocked for good', async () => {
  const module = fileURLToPath(new URL('./forced-exit.js', import.meta.url));
  const code = `const { armForcedExit } = await import(${JSON.stringify(module)});
    armForcedExit(200, 'test');
    setTimeout(() => process.exit(3), 100); // a main-thread timer: starved below, never fires
    for (;;) {}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const [exitCode, signal] = await new Promise<[number | null, string | null]>((r) => child.once('exit', (c, s) => r([c, s])));
  assert.equal(signal, 'SIGKILL', `exit ${exitCode}`);
  assert.match(stderr, /"msg":"forced exit: shutdown did not finish in time"/);
});

test('a bounded step that overruns is reported and not awaited', async () => {
  const warnings: string[] = [];
  await bounded(
    'stuck',
    20,
    () => new Promise(() => {}),
    (msg, f) => void warnings.push(`${msg} ${f.step}`),
  );
  await bounded(
    'fails',
    1000,
    async () => {
      throw new Error('boom');
    },
    (msg, f) => void warnings.push(`${msg} ${f.step}`),
  );
  await bounded(
    'fine',
    1000,
    async () => {},
    (msg) => void warnings.push(msg),
  );
  assert.deepEqual(warnings, ['shutdown step did not finish in time; moving on stuck', 'shutdown step failed fails']);
});
