// The service files `gifee service install` writes: checked by systemd's own verifier where it is
// installed, and by content; flags that would not survive the environment file are refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentFile, openrcScript, systemdUnit, unsafeFlag, type ServiceSpec } from './unit.js';
import { which } from '../../util/which.js';

const spec: ServiceSpec = { command: 'up', flags: ['--port', '7443', '--data-dir', '/srv/gifee'], node: process.execPath, entry: '/opt/gifee/dist/src/cli/main.js', envFile: '/etc/systemd/system/gifee.service.env' };

test('the systemd unit: k3s-like settings so containers outlive a restart, flags from the environment file', () => {
  const unit = systemdUnit(spec);
  for (const line of ['KillMode=process', 'Delegate=yes', 'LimitNOFILE=1048576', 'TasksMax=infinity', 'Restart=always', 'EnvironmentFile=-/etc/systemd/system/gifee.service.env', `ExecStart=${process.execPath} /opt/gifee/dist/src/cli/main.js up $GIFEE_FLAGS`, 'WantedBy=multi-user.target']) {
    assert.ok(unit.split('\n').includes(line), `${line} in:\n${unit}`);
  }
  assert.match(environmentFile(spec), /^GIFEE_FLAGS="--port 7443 --data-dir \/srv\/gifee"$/m);
  assert.match(openrcScript(spec), /^command_args="\/opt\/gifee\/dist\/src\/cli\/main\.js up --port 7443 --data-dir \/srv\/gifee"$/m);
  assert.equal(unsafeFlag(['--node-name', 'a b']), 'a b');
  assert.equal(unsafeFlag(['--token', '$(reboot)']), '$(reboot)');
  assert.equal(unsafeFlag(spec.flags), undefined);
});

test('systemd-analyze verify accepts the unit', async (t) => {
  const analyze = await which('systemd-analyze');
  if (!analyze) return t.skip('no systemd-analyze on this machine');
  const dir = await mkdtemp(join(tmpdir(), 'gifee-unit-'));
  try {
    const file = join(dir, 'gifee.service');
    // ExecStart must name an existing program for the verifier: this node, with a real script.
    await writeFile(file, systemdUnit({ ...spec, entry: file }));
    const r = await new Promise<{ code: number; out: string }>((resolve) => execFile(analyze, ['verify', file], (e, stdout, stderr) => resolve({ code: e ? 1 : 0, out: `${stdout}${stderr}` })));
    // Only complaints about this unit count (the verifier also reads the host's other units).
    const ours = r.out.split('\n').filter((l) => l.includes('gifee.service'));
    assert.deepEqual(ours, [], r.out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
