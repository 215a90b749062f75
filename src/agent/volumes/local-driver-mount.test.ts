// The agent's mounter with gifee's own driver (local.csi.gifee.dev, in process, real loop devices):
// a provisioned filesystem volume shared by two pods (staged once, size enforced with ENOSPC, data
// kept after both pods go and the volume is unstaged), and a Block volume that reaches the container
// spec as its loop device. The contract the gRPC transport carries, checked end to end on one node.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { open, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_DRIVER } from '../../api/storage-names.js';
import { blockCap, fsCap, MiB, skipWithoutLoop, type TestDriver, testDriver } from '../../csi/local-driver/test-support.js';
import { stagingPath } from '../../csi/paths.js';
import type { CsiRegistry } from '../../csi/types.js';
import type { Logger } from '../../util/log.js';
import type { Pod } from '../pods/types.js';
import { mountsUnder } from '../runtime/host.js';
import { devMajor, devMinor } from '../security/devices.js';
import type { PersistentVolumeObject } from './claims.js';
import { containerDevices } from './container-devices.js';
import { CsiVolumeManager } from './csi-mounter.js';
import { cleanupVolumes } from './volumes.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
let t: TestDriver;
let mgr: CsiVolumeManager;

before(async () => {
  if (skipWithoutLoop) return;
  t = await testDriver('node-a');
  const registry: CsiRegistry = { get: (n) => (n === LOCAL_DRIVER ? t.driver : undefined), names: () => [LOCAL_DRIVER], onChange: () => undefined };
  // gifee's CSIDriver object: no attach step.
  mgr = new CsiVolumeManager({ registry, agentDir: t.agentDir, nodeName: 'node-a', api: { csiDriver: async () => ({ spec: { attachRequired: false, fsGroupPolicy: 'File' } }), volumeAttachment: async () => undefined, secret: async () => undefined }, log: quiet });
});
after(async () => t?.cleanup());

const pod = (uid: string, block = false): Pod => ({
  metadata: { name: `p-${uid}`, namespace: 'default', uid },
  spec: { containers: [{ name: 'c', image: 'x', ...(block ? { volumeDevices: [{ name: 'data', devicePath: '/dev/xvda' }] } : { volumeMounts: [{ name: 'data', mountPath: '/data' }] }) }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'c' } }] },
});

async function provision(name: string, block: boolean): Promise<PersistentVolumeObject> {
  const { volume } = await t.driver.controller.createVolume({ name, capacityRange: { requiredBytes: 32 * MiB }, volumeCapabilities: [block ? blockCap() : fsCap()] });
  return { metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], volumeMode: block ? 'Block' : 'Filesystem', csi: { driver: LOCAL_DRIVER, volumeHandle: volume.volumeId, fsType: block ? undefined : 'ext4', volumeAttributes: volume.volumeContext } } };
}

test('a local volume shared by two pods: staged once, the size enforced, unstaged when both are gone, data kept', { skip: skipWithoutLoop }, async () => {
  const pv = await provision('pvc-fs-1', false);
  const req = (uid: string) => ({ pod: pod(uid), specVolumeName: 'data', claimName: 'c', pvName: 'pvc-fs-1', pv, mode: 'Filesystem' as const, readOnly: false });
  const a = await mgr.publish(req('a'));
  const b = await mgr.publish(req('b'));
  const staging = stagingPath(t.agentDir, LOCAL_DRIVER, 'pvc-fs-1');
  assert.equal(mgr.refCount(staging), 2);
  await writeFile(join(a.path, 'hello'), 'shared');
  assert.equal((await stat(join(b.path, 'hello'))).size, 6);
  // 32 MiB of ext4: writing 64 MiB runs out of space.
  const fh = await open(join(a.path, 'big'), 'w');
  await assert.rejects(
    (async () => {
      for (let i = 0; i < 64; i++) await fh.write(Buffer.alloc(MiB));
      await fh.sync();
    })(),
    { code: 'ENOSPC' },
  );
  await fh.close();
  await cleanupVolumes(join(t.agentDir, 'pods', 'a'), mgr);
  assert.equal(mgr.refCount(staging), 1);
  assert.equal((await stat(join(b.path, 'hello'))).size, 6, 'still there for b');
  await cleanupVolumes(join(t.agentDir, 'pods', 'b'), mgr);
  assert.equal(mgr.refCount(staging), 0);
  assert.deepEqual(await mountsUnder(t.agentDir), []);
  // Published again: the data outlived both pods.
  const c = await mgr.publish(req('c'));
  assert.equal((await stat(join(c.path, 'hello'))).size, 6);
  await cleanupVolumes(join(t.agentDir, 'pods', 'c'), mgr);
});

test("a local Block volume: the loop device is the container's /dev/xvda", { skip: skipWithoutLoop }, async () => {
  const pv = await provision('pvc-blk-1', true);
  const p = pod('blk', true);
  const v = await mgr.publish({ pod: p, specVolumeName: 'data', claimName: 'c', pvName: 'pvc-blk-1', pv, mode: 'Block', readOnly: false });
  assert.ok(v.device);
  const devices = containerDevices(p.spec.containers[0], new Map([['data', { path: v.path, device: v.device }]]));
  assert.ok(Array.isArray(devices));
  const st = await stat(v.path);
  assert.deepEqual([devices[0].path, devices[0].major, devices[0].minor], ['/dev/xvda', devMajor(st.rdev), devMinor(st.rdev)]);
  assert.equal(devices[0].major, 7, 'a loop device');
  await cleanupVolumes(join(t.agentDir, 'pods', 'blk'), mgr);
  assert.deepEqual(await mountsUnder(t.agentDir), []);
});
