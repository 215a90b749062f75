import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logSettingsOf } from './log-flags.js';
import { UsageError } from './args.js';

test('log flags: format, level and the -q/-v shorthands', () => {
  const table: [Record<string, unknown>, ReturnType<typeof logSettingsOf>][] = [
    [{}, { level: undefined, format: undefined }],
    [{ 'log-format': 'json' }, { level: undefined, format: 'json' }],
    [
      { 'log-format': 'text', 'log-level': 'error' },
      { level: 'error', format: 'text' },
    ],
    [{ quiet: true }, { level: 'warn', format: undefined }],
    [{ verbose: true }, { level: 'debug', format: undefined }],
  ];
  for (const [f, want] of table) assert.deepEqual(logSettingsOf(f), want, JSON.stringify(f));
});

test('bad log flags are usage errors that name the choices', () => {
  const table: [Record<string, unknown>, string][] = [
    [{ 'log-format': 'xml' }, '--log-format must be text or json, not "xml"'],
    [{ 'log-level': 'loud' }, '--log-level must be one of debug, info, warn, error, not "loud"'],
    [{ quiet: true, verbose: true }, '--quiet and --verbose contradict each other: give one of them'],
    [{ 'log-level': 'info', quiet: true }, '--log-level and --quiet contradict each other: give one of them'],
  ];
  for (const [f, message] of table)
    assert.throws(
      () => logSettingsOf(f),
      (e: Error) => e instanceof UsageError && e.message === message,
      message,
    );
  assert.throws(() => logSettingsOf({ 'log-format': 'xml' }, 'gifee up'), /: gifee up: --log-format must be/);
});
