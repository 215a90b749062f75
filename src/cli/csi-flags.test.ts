import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from './args.js';
import { COMMAND_FLAGS, serverConfigOf } from './commands.js';
import { CSI_FLAG_TABLE, csiSettingsOf } from './csi-flags.js';

test('--kubelet-dir: an absolute path, for every command that runs an agent', () => {
  assert.deepEqual(csiSettingsOf({}), {});
  assert.deepEqual(csiSettingsOf({ 'kubelet-dir': '/var/lib/kubelet/' }), { kubeletDir: '/var/lib/kubelet' });
  assert.throws(
    () => csiSettingsOf({ 'kubelet-dir': 'var/lib/kubelet' }),
    (e: unknown) => e instanceof UsageError && /absolute path/.test(e.message),
  );
  for (const command of ['up', 'server', 'agent'] as const) assert.ok(COMMAND_FLAGS[command].includes(CSI_FLAG_TABLE), command);
  assert.equal(serverConfigOf('up', { 'kubelet-dir': '/var/lib/kubelet' }).agent?.kubeletDir, '/var/lib/kubelet');
  assert.equal(serverConfigOf('up', { 'kubelet-dir': '/var/lib/kubelet', 'no-agent': true }).agent, undefined);
});
