import { test } from 'node:test';
import assert from 'node:assert/strict';
import { streamLimitsOf } from './stream-limit-flags.js';

test('agent port limits: only what is given, durations and counts parsed, bad values refused with the flag', () => {
  assert.deepEqual(streamLimitsOf({}), {});
  assert.deepEqual(streamLimitsOf({ 'kubelet-max-connections': '10', 'kubelet-max-connections-per-ip': '0', 'kubelet-header-timeout': '5s', 'kubelet-body-timeout': '2m', 'kubelet-idle-timeout': '1m30s' }), {
    streamLimits: { maxConnections: 10, maxConnectionsPerIP: 0, headerTimeoutMs: 5_000, bodyTimeoutMs: 120_000, idleTimeoutMs: 90_000 },
  });
  for (const [flag, v] of [
    ['kubelet-max-connections', 'many'],
    ['kubelet-max-connections', '-1'],
    ['kubelet-max-connections-per-ip', '1e3'],
    ['kubelet-header-timeout', 'soon'],
  ])
    assert.throws(() => streamLimitsOf({ [flag]: v }), new RegExp(`--${flag}`), `${flag}=${v}`);
});
