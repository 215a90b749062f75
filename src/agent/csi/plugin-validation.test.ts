import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCsi1, validateNodeInfo, validatePluginInfo } from './plugin-validation.js';

const info = (o: Partial<{ type: string; name: string; endpoint: string; supportedVersions: string[] }> = {}) => ({ type: 'CSIPlugin', name: 'x.csi.example.com', endpoint: '/plugins/x/csi.sock', supportedVersions: ['1.0.0'], ...o });

test('CSI versions: 1.x in the forms registrars send, nothing else', () => {
  for (const v of ['1.0.0', 'v1.0.0', '1.2', '1.5.0-alpha', '1.10.3+build']) assert.ok(isCsi1(v), v);
  for (const v of ['0.3.0', '2.0.0', 'v0.1', '1', 'one', '', '1.0.0.0', 'v1.x']) assert.ok(!isCsi1(v), v);
});

test('registration answers the watcher refuses, with the reason sent back', () => {
  assert.deepEqual(validatePluginInfo(info(), '/reg/x-reg.sock'), { endpoint: '/plugins/x/csi.sock' });
  // No endpoint: the registration socket serves CSI itself; unix:// is accepted.
  assert.deepEqual(validatePluginInfo(info({ endpoint: '' }), '/reg/x-reg.sock'), { endpoint: '/reg/x-reg.sock' });
  assert.deepEqual(validatePluginInfo(info({ endpoint: 'unix:///plugins/x/csi.sock' }), '/r'), { endpoint: '/plugins/x/csi.sock' });
  assert.match(validatePluginInfo(info({ type: 'DevicePlugin' }), '/r').error!, /plugin type "DevicePlugin" is not supported/);
  assert.match(validatePluginInfo(info({ name: 'Not_A_Name!' }), '/r').error!, /invalid CSI driver name "Not_A_Name!"/);
  assert.match(validatePluginInfo(info({ name: 'a'.repeat(64) }), '/r').error!, /invalid CSI driver name/);
  assert.match(validatePluginInfo(info({ supportedVersions: ['0.3.0', '2.0.0'] }), '/r').error!, /none of the versions specified \["0\.3\.0","2\.0\.0"\] are supported/);
  assert.match(validatePluginInfo(info({ supportedVersions: [] }), '/r').error!, /none of the versions/);
  assert.match(validatePluginInfo(info({ endpoint: 'relative/csi.sock' }), '/r').error!, /not an absolute unix socket path/);
  assert.match(validatePluginInfo(info({ endpoint: 'tcp://10.0.0.1:9000' }), '/r').error!, /not an absolute unix socket path/);
});

test("a driver's NodeGetInfo must fit CSINode and the Node's labels", () => {
  assert.equal(validateNodeInfo('d', { nodeId: 'n1', maxVolumesPerNode: 0, accessibleTopology: { segments: { 'topology.d/zone': 'z-1' } } }), undefined);
  assert.match(validateNodeInfo('d', { nodeId: '' })!, /empty node id/);
  assert.match(validateNodeInfo('d', { nodeId: 'x'.repeat(193) })!, /longer than 192/);
  assert.match(validateNodeInfo('d', { nodeId: 'n', maxVolumesPerNode: -1 })!, /negative/);
  assert.match(validateNodeInfo('d', { nodeId: 'n', accessibleTopology: { segments: { 'bad key!': 'v' } } })!, /key "bad key!"/);
  assert.match(validateNodeInfo('d', { nodeId: 'n', accessibleTopology: { segments: { 'topology.d/zone': 'not valid/value' } } })!, /value "not valid\/value"/);
  const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v']));
  assert.match(validateNodeInfo('d', { nodeId: 'n', accessibleTopology: { segments: many } })!, /40 topology segments/);
});
