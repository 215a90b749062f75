// Plugin registration over real sockets: a registration socket answers GetInfo as
// node-driver-registrar does and records what NotifyRegistrationStatus tells it; serveDriver puts a
// driver's CSI socket and its registration socket where the kubelet's layout says.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers/temp-dirs.js';
import { testDriver } from '../../test/helpers/csi-test-driver.js';
import { connectCsi } from './grpc-client.js';
import { driverSocket, pluginRegistryDir } from './paths.js';
import { registrationClient, registrationSocket, serveDriver, serveRegistration, type RegistrationStatus } from './registration.js';

test('a registration socket answers GetInfo and hears NotifyRegistrationStatus', async () => {
  const dir = tempDir('gifee-csi-reg-');
  const seen: RegistrationStatus[] = [];
  const reg = await serveRegistration(dir, { name: 'ex.csi.example.com', endpoint: '/var/lib/kubelet/plugins/ex.csi.example.com/csi.sock', versions: ['1.0.0', '1.2.0'], onStatus: (s) => seen.push(s) });
  assert.equal(reg.socketPath, join(dir, 'ex.csi.example.com-reg.sock'));
  assert.equal(registrationSocket(dir, 'ex.csi.example.com'), reg.socketPath);
  const c = registrationClient(reg.socketPath);
  try {
    assert.deepEqual(await c.getInfo(), { type: 'CSIPlugin', name: 'ex.csi.example.com', endpoint: '/var/lib/kubelet/plugins/ex.csi.example.com/csi.sock', supportedVersions: ['1.0.0', '1.2.0'] });
    assert.equal(reg.status(), undefined);
    await c.notifyRegistrationStatus({ pluginRegistered: false, error: 'no node id' });
    await c.notifyRegistrationStatus({ pluginRegistered: true, error: '' });
    assert.deepEqual(seen, [
      { pluginRegistered: false, error: 'no node id' },
      { pluginRegistered: true, error: '' },
    ]);
    assert.deepEqual(reg.status(), { pluginRegistered: true, error: '' });
  } finally {
    c.close();
    await reg.close();
  }
  await assert.rejects(lstat(reg.socketPath), /ENOENT/, 'the socket goes with the server');
});

test("serveDriver serves a driver on its kubelet-layout socket and registers it like a third-party driver's registrar", async () => {
  const agentDir = tempDir('gifee-csi-agent-');
  const served = await serveDriver(testDriver({ name: 'builtin.csi.gifee.dev', nodeId: 'n9' }), { agentDir });
  try {
    assert.equal(served.socketPath, driverSocket(agentDir, 'builtin.csi.gifee.dev'));
    assert.equal(served.registration.socketPath, join(pluginRegistryDir(agentDir), 'builtin.csi.gifee.dev-reg.sock'));
    assert.ok((await lstat(served.socketPath)).isSocket());
    const r = registrationClient(served.registration.socketPath);
    const info = await r.getInfo();
    r.close();
    assert.deepEqual(info, { type: 'CSIPlugin', name: 'builtin.csi.gifee.dev', endpoint: served.socketPath, supportedVersions: ['1.0.0'] });
    const c = connectCsi(info.endpoint);
    assert.equal((await c.node.nodeGetInfo()).nodeId, 'n9');
    c.close();
  } finally {
    await served.close();
  }
  await assert.rejects(lstat(served.registration.socketPath), /ENOENT/);
  await assert.rejects(lstat(served.socketPath), /ENOENT/);
});
