// The flags of `gifee network-policy`: hostile values are usage errors that say what is expected.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from './args.js';
import { networkPolicyCommand, parsePortFlag } from './network-policy-command.js';

test('--port: PORT or PORT/PROTOCOL', () => {
  assert.deepEqual(parsePortFlag('80'), { port: 80, protocol: 'TCP' });
  assert.deepEqual(parsePortFlag('53/udp'), { port: 53, protocol: 'UDP' });
  assert.deepEqual(parsePortFlag('9/SCTP'), { port: 9, protocol: 'SCTP' });
  for (const bad of ['0', '65536', 'http', '80/icmp', '80/', '-1', '1e3', `${'9'.repeat(100)}`]) assert.throws(() => parsePortFlag(bad), UsageError, bad);
});

test('explain: missing flags, unknown subcommands and bad addresses are usage errors', async () => {
  await assert.rejects(networkPolicyCommand(['explain', '--from', 'a/b'], '/nonexistent'), /--from, --to and --port are required/);
  await assert.rejects(networkPolicyCommand(['explain', '--from', 'a/b', '--to', 'c/d', '--port', 'x'], '/nonexistent'), /--port must be/);
  await assert.rejects(networkPolicyCommand(['explan'], '/nonexistent'), /unknown command "explan"/);
  await assert.rejects(networkPolicyCommand(['counters', '--bogus'], '/nonexistent'), UsageError);
});
