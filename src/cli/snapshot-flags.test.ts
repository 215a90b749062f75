import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { UsageError } from './args.js';
import { snapshotSettingsOf } from './snapshot-flags.js';

test('snapshot flags: defaults, off, and refusals, table', () => {
  const ok: [Record<string, string>, ReturnType<typeof snapshotSettingsOf>][] = [
    [{}, { schedule: '0 */12 * * *', retention: 5, dir: undefined, restoreFrom: undefined }],
    [{ 'snapshot-schedule': 'off' }, { schedule: undefined, retention: 5, dir: undefined, restoreFrom: undefined }],
    [{ 'snapshot-schedule': '' }, { schedule: undefined, retention: 5, dir: undefined, restoreFrom: undefined }],
    [
      { 'snapshot-schedule': '*/5 * * * *', 'snapshot-retention': '12', 'snapshot-dir': 'b', 'restore-from': 'f.gifee-snapshot' },
      { schedule: '*/5 * * * *', retention: 12, dir: resolve('b'), restoreFrom: resolve('f.gifee-snapshot') },
    ],
  ];
  for (const [flags, want] of ok) assert.deepEqual(snapshotSettingsOf(flags), want, JSON.stringify(flags));
  const bad: [Record<string, string>, RegExp][] = [
    [{ 'snapshot-schedule': '0 0 30 2 *' }, /--snapshot-schedule: .*never fires/],
    [{ 'snapshot-schedule': 'every hour' }, /--snapshot-schedule: .*5 fields/],
    [{ 'snapshot-retention': '0' }, /at least 1/],
    [{ 'snapshot-retention': '1.5' }, /whole number/],
    [{ 'snapshot-retention': '9999999' }, /whole number/],
  ];
  for (const [flags, re] of bad)
    assert.throws(
      () => snapshotSettingsOf(flags),
      (e: Error) => e instanceof UsageError && re.test(e.message),
      JSON.stringify(flags),
    );
});
