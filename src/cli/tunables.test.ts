import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tunablesFromEnv } from './tunables.js';
import { UsageError } from './args.js';

test('tunables: read from GIFEE_* variables, unset ones left to the defaults, bad ones a usage error naming the variable', () => {
  assert.deepEqual(tunablesFromEnv({}), {});
  assert.deepEqual(tunablesFromEnv({ GIFEE_JOB_BACKOFF_MS: '300', GIFEE_NODE_MONITOR_GRACE_MS: '2000', GIFEE_FRESH_WAIT_MS: '' }), { jobBackoffMs: 300, nodeMonitorGraceMs: 2000 });
  assert.throws(
    () => tunablesFromEnv({ GIFEE_PODGC_QUARANTINE_MS: 'soon' }),
    (e: Error) => e instanceof UsageError && /GIFEE_PODGC_QUARANTINE_MS must be a whole number of milliseconds/.test(e.message),
  );
});
