import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colourAllowed, configureLogging, logger, textLine } from './log.js';

const at = new Date('2026-12-01T21:55:03.123Z');

test('text lines (snapshot): time, level, component, message, fields as key=value (JSON when not one word)', () => {
  assert.equal(textLine(at, 'info', 'gifee', 'gifee server ready', { url: 'https://127.0.0.1:6443', pid: 42 }, false), '21:55:03 INFO  gifee: gifee server ready  url=https://127.0.0.1:6443 pid=42');
  assert.equal(textLine(at, 'warn', 'agent', 'pull failed', { err: 'no such host', image: 'a:b', labels: { app: 'x' } }, false), '21:55:03 WARN  agent: pull failed  err="no such host" image=a:b labels={"app":"x"}');
  assert.equal(textLine(at, 'error', 'x', 'two\nlines', {}, false), '21:55:03 ERROR x: two lines');
  // A field cannot break the line or forge another event.
  assert.equal(textLine(at, 'info', 'x', 'm', { v: 'a\n12:00:00 ERROR forged' }, false), '21:55:03 INFO  x: m  v="a\\n12:00:00 ERROR forged"');
  assert.equal(textLine(at, 'debug', 'x', 'm', {}, true), '21:55:03 \x1b[2mDEBUG\x1b[0m x: m');
  assert.equal(textLine(at, 'error', 'x', 'm', {}, true), '21:55:03 \x1b[31mERROR\x1b[0m x: m');
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  assert.equal(textLine(at, 'info', 'x', 'm', { c: circular }, false), '21:55:03 INFO  x: m  c=[unprintable]');
});

test('colour only on a terminal and never with NO_COLOR', () => {
  assert.equal(colourAllowed(true, {}), true);
  assert.equal(colourAllowed(false, {}), false);
  assert.equal(colourAllowed(undefined, {}), false);
  assert.equal(colourAllowed(true, { NO_COLOR: '1' }), false);
  assert.equal(colourAllowed(true, { NO_COLOR: '' }), true, 'an empty NO_COLOR does not count (no-color.org)');
});

test('configureLogging: format and level apply at once and are passed on to child processes', (t) => {
  const saved = { GIFEE_LOG: process.env.GIFEE_LOG, GIFEE_LOG_FORMAT: process.env.GIFEE_LOG_FORMAT };
  const lines: string[] = [];
  t.mock.method(process.stderr, 'write', (s: string) => {
    lines.push(s);
    return true;
  });
  try {
    const log = logger('comp');
    configureLogging({ level: 'warn', format: 'json' });
    log.info('hidden');
    log.warn('shown', { err: new Error('boom'), component: 'store' });
    configureLogging({ level: 'debug', format: 'text' });
    log.debug('now text');
    assert.equal(process.env.GIFEE_LOG, 'debug');
    assert.equal(process.env.GIFEE_LOG_FORMAT, 'text');
  } finally {
    t.mock.restoreAll();
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    configureLogging({ level: 'info', format: 'json' });
  }
  assert.equal(lines.length, 2, lines.join(''));
  const j = JSON.parse(lines[0]);
  assert.deepEqual({ level: j.level, component: j.component, msg: j.msg, err: j.err }, { level: 'warn', component: 'store', msg: 'shown', err: 'boom' });
  assert.match(lines[1], /^\d\d:\d\d:\d\d DEBUG comp: now text\n$/);
});
