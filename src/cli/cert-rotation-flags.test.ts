import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFlags, UsageError } from './args.js';
import { leafCertValidityOf } from './cert-rotation-flags.js';
import { optionsOfCommand, serverConfigOf } from './commands.js';

test('--leaf-cert-validity: a duration from 10s to ten years, on gifee up and gifee server', () => {
  const cases: [string | undefined, number | RegExp | undefined][] = [
    [undefined, undefined],
    ['30s', 30_000],
    ['8760h', 365 * 24 * 3600 * 1000],
    ['1h30m', 5_400_000],
    ['10s', 10_000],
    ['9s', /from 10s to 87600h/],
    ['87601h', /from 10s to 87600h/],
    ['0', /from 10s/],
    ['a year', /must be a duration/],
    ['-5s', /must be a duration/],
  ];
  for (const [value, want] of cases) {
    const flags = value === undefined ? {} : { 'leaf-cert-validity': value };
    if (want instanceof RegExp)
      assert.throws(
        () => leafCertValidityOf(flags),
        (e: Error) => e instanceof UsageError && want.test(e.message),
        String(value),
      );
    else assert.equal(leafCertValidityOf(flags), want, String(value));
  }
  for (const command of ['up', 'server'] as const) {
    const cfg = serverConfigOf(command, parseFlags(command, ['--data-dir', '/tmp/x', '--leaf-cert-validity', '90s'], optionsOfCommand(command)));
    assert.equal(cfg.leafCertValidityMs, 90_000, command);
  }
});
