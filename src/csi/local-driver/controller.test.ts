// The local driver's Controller service, called directly: creation (idempotent by name), sizes,
// fsTypes, topology, capacity, deletion, expansion and snapshots.

import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { LOCAL_DRIVER, LOCAL_TOPOLOGY_KEY } from '../../api/storage-names.js';
import { CsiError, GrpcCode } from '../types.js';
import { hasCommand } from './exec.js';
import { blockCap, fsCap, MiB, skipWithoutLoop, type TestDriver, testDriver } from './test-support.js';

const code = (c: GrpcCode) => (e: unknown) => e instanceof CsiError && e.code === c;
const opts = { skip: skipWithoutLoop };
let t: TestDriver;

before(async () => {
  if (!skipWithoutLoop) t = await testDriver();
});
after(async () => t?.cleanup());

test('identity: name, capabilities, probe', opts, async () => {
  const d = t.driver;
  assert.equal((await d.getPluginInfo()).name, LOCAL_DRIVER);
  assert.deepEqual((await d.getPluginCapabilities()).capabilities, [{ service: { type: 'CONTROLLER_SERVICE' } }, { service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } }, { volumeExpansion: { type: 'ONLINE' } }]);
  assert.deepEqual((await d.probe()).ready, { value: true });
  const caps = (await d.controller.controllerGetCapabilities()).capabilities.map((c) => c.rpc.type);
  assert.deepEqual(caps.sort(), ['CLONE_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'CREATE_DELETE_VOLUME', 'EXPAND_VOLUME', 'GET_CAPACITY']);
});

test('CreateVolume: sparse, formatted, rounded, topology; idempotent by name; ALREADY_EXISTS when incompatible', opts, async () => {
  const c = t.driver.controller;
  const req = { name: 'pvc-create', capacityRange: { requiredBytes: 20 * MiB + 5 }, volumeCapabilities: [fsCap()] };
  const { volume } = await c.createVolume(req);
  assert.equal(volume.volumeId, 'pvc-create');
  assert.equal(volume.capacityBytes, 21 * MiB);
  assert.deepEqual(volume.accessibleTopology, [{ segments: { [LOCAL_TOPOLOGY_KEY]: 'node-a' } }]);
  const img = await stat(`${t.dir}/storage/local/volumes/pvc-create.img`);
  assert.equal(img.size, 21 * MiB);
  assert.ok(img.blocks * 512 < img.size, 'the image is sparse');
  assert.deepEqual((await c.createVolume(req)).volume, volume);
  await assert.rejects(c.createVolume({ ...req, capacityRange: { requiredBytes: 100 * MiB } }), code(GrpcCode.ALREADY_EXISTS));
  await assert.rejects(c.createVolume({ ...req, volumeCapabilities: [blockCap()] }), code(GrpcCode.ALREADY_EXISTS));
  // The smallest volume, and a block volume left raw.
  assert.equal((await c.createVolume({ name: 'pvc-tiny', capacityRange: { requiredBytes: 1 }, volumeCapabilities: [fsCap()] })).volume.capacityBytes, 16 * MiB);
  const blk = await c.createVolume({ name: 'pvc-rawblock', capacityRange: { requiredBytes: 32 * MiB }, volumeCapabilities: [blockCap()] });
  assert.equal(blk.volume.capacityBytes, 32 * MiB);
  assert.equal((await stat(`${t.dir}/storage/local/volumes/pvc-rawblock.img`)).blocks, 0, 'block volumes are not formatted');
});

test('CreateVolume refuses hostile or impossible requests with the right codes', opts, async () => {
  const c = t.driver.controller;
  await assert.rejects(c.createVolume({ name: '../../etc', volumeCapabilities: [fsCap()] }), code(GrpcCode.INVALID_ARGUMENT));
  await assert.rejects(c.createVolume({ name: 'pvc-x', volumeCapabilities: [] }), code(GrpcCode.INVALID_ARGUMENT));
  await assert.rejects(c.createVolume({ name: 'pvc-x', volumeCapabilities: [fsCap('MULTI_NODE_MULTI_WRITER')] }), code(GrpcCode.INVALID_ARGUMENT));
  await assert.rejects(c.createVolume({ name: 'pvc-x', volumeCapabilities: [{ mount: { fsType: 'btrfs' }, accessMode: { mode: 'SINGLE_NODE_WRITER' } }] }), code(GrpcCode.INVALID_ARGUMENT));
  if (!(await hasCommand('mkfs.xfs'))) {
    await assert.rejects(c.createVolume({ name: 'pvc-x', volumeCapabilities: [{ mount: {}, accessMode: { mode: 'SINGLE_NODE_WRITER' } }], parameters: { fsType: 'xfs' } }), (e: unknown) => e instanceof CsiError && e.code === GrpcCode.INVALID_ARGUMENT && /mkfs\.xfs/.test(e.message));
  }
  const { availableCapacity } = await c.getCapacity({});
  await assert.rejects(c.createVolume({ name: 'pvc-huge', capacityRange: { requiredBytes: availableCapacity + 1024 * MiB }, volumeCapabilities: [fsCap()] }), code(GrpcCode.RESOURCE_EXHAUSTED));
  await assert.rejects(c.createVolume({ name: 'pvc-x', volumeCapabilities: [fsCap()], accessibilityRequirements: { requisite: [{ segments: { [LOCAL_TOPOLOGY_KEY]: 'node-b' } }] } }), code(GrpcCode.RESOURCE_EXHAUSTED));
  await assert.rejects(c.createVolume({ name: 'pvc-x', volumeCapabilities: [fsCap()], volumeContentSource: { volume: { volumeId: 'pvc-nope' } } }), code(GrpcCode.NOT_FOUND));
  await assert.rejects(c.createVolume({ name: 'pvc-x', volumeCapabilities: [fsCap()], volumeContentSource: { snapshot: { snapshotId: 'snap-nope' } } }), code(GrpcCode.NOT_FOUND));
  assert.equal(
    await c
      .createVolume({ name: 'pvc-x', volumeCapabilities: [fsCap()] })
      .then(() => 'made')
      .catch(() => 'refused'),
    'made',
    'a valid request after refusals still works',
  );
  await c.deleteVolume({ volumeId: 'pvc-x' });
});

test('GetCapacity: free space of the data dir, none for another node', opts, async () => {
  const c = t.driver.controller;
  const cap = await c.getCapacity({});
  assert.ok(cap.availableCapacity > 0);
  assert.equal(cap.maximumVolumeSize, cap.availableCapacity);
  assert.equal(cap.minimumVolumeSize, 16 * MiB);
  assert.equal((await c.getCapacity({ accessibleTopology: { segments: { [LOCAL_TOPOLOGY_KEY]: 'node-b' } } })).availableCapacity, 0);
});

test('DeleteVolume is idempotent and validates ids', opts, async () => {
  const c = t.driver.controller;
  await c.createVolume({ name: 'pvc-del', volumeCapabilities: [fsCap()], capacityRange: { requiredBytes: 16 * MiB } });
  await c.deleteVolume({ volumeId: 'pvc-del' });
  await c.deleteVolume({ volumeId: 'pvc-del' });
  await assert.rejects(stat(`${t.dir}/storage/local/volumes/pvc-del.img`));
  await assert.rejects(c.deleteVolume({ volumeId: '../x' }), code(GrpcCode.INVALID_ARGUMENT));
});

test('ControllerExpandVolume grows the image, never shrinks, asks the node to grow filesystems', opts, async () => {
  const c = t.driver.controller;
  await c.createVolume({ name: 'pvc-grow', volumeCapabilities: [fsCap()], capacityRange: { requiredBytes: 16 * MiB } });
  assert.deepEqual(await c.controllerExpandVolume({ volumeId: 'pvc-grow', capacityRange: { requiredBytes: 40 * MiB } }), { capacityBytes: 40 * MiB, nodeExpansionRequired: true });
  assert.equal((await stat(`${t.dir}/storage/local/volumes/pvc-grow.img`)).size, 40 * MiB);
  assert.deepEqual(await c.controllerExpandVolume({ volumeId: 'pvc-grow', capacityRange: { requiredBytes: 20 * MiB } }), { capacityBytes: 40 * MiB, nodeExpansionRequired: true });
  assert.equal((await c.controllerExpandVolume({ volumeId: 'pvc-rawblock', capacityRange: { requiredBytes: 48 * MiB } })).nodeExpansionRequired, false);
  await assert.rejects(c.controllerExpandVolume({ volumeId: 'pvc-nope', capacityRange: { requiredBytes: 40 * MiB } }), code(GrpcCode.NOT_FOUND));
  await assert.rejects(c.controllerExpandVolume({ volumeId: 'pvc-grow', capacityRange: { requiredBytes: 2 ** 49 } }), code(GrpcCode.RESOURCE_EXHAUSTED));
});

test('snapshots: ready at once, idempotent by name, NOT_FOUND for an unknown source, deletable twice', opts, async () => {
  const c = t.driver.controller;
  const { snapshot } = await c.createSnapshot({ sourceVolumeId: 'pvc-create', name: 'snapshot-a' });
  assert.equal(snapshot.readyToUse, true);
  assert.equal(snapshot.sourceVolumeId, 'pvc-create');
  assert.equal(snapshot.sizeBytes, 21 * MiB);
  assert.ok(snapshot.creationTime && snapshot.creationTime.seconds > 0);
  assert.deepEqual((await c.createSnapshot({ sourceVolumeId: 'pvc-create', name: 'snapshot-a' })).snapshot, snapshot);
  await assert.rejects(c.createSnapshot({ sourceVolumeId: 'pvc-tiny', name: 'snapshot-a' }), code(GrpcCode.ALREADY_EXISTS));
  await assert.rejects(c.createSnapshot({ sourceVolumeId: 'pvc-nope', name: 'snapshot-b' }), code(GrpcCode.NOT_FOUND));
  await assert.rejects(c.createSnapshot({ sourceVolumeId: 'pvc-create', name: 'a/b' }), code(GrpcCode.INVALID_ARGUMENT));
  // A restore smaller than the snapshot is out of range; the same size or more is fine.
  await assert.rejects(c.createVolume({ name: 'pvc-small-restore', capacityRange: { requiredBytes: 16 * MiB }, volumeCapabilities: [fsCap()], volumeContentSource: { snapshot: { snapshotId: 'snapshot-a' } } }), code(GrpcCode.OUT_OF_RANGE));
  await assert.rejects(c.createVolume({ name: 'pvc-wrong-mode', volumeCapabilities: [blockCap()], volumeContentSource: { snapshot: { snapshotId: 'snapshot-a' } } }), code(GrpcCode.INVALID_ARGUMENT));
  await c.deleteSnapshot({ snapshotId: 'snapshot-a' });
  await c.deleteSnapshot({ snapshotId: 'snapshot-a' });
});

test('ControllerPublish is not offered', opts, async () => {
  await assert.rejects(t.driver.controller.controllerPublishVolume(), code(GrpcCode.UNIMPLEMENTED));
});

test('garbage in every field of every call is refused with a CsiError, never a crash', opts, async () => {
  const d = t.driver;
  const junk: unknown[] = [
    undefined,
    null,
    {},
    { volumeId: 5 },
    { volumeId: 'pvc-create', capacityRange: { requiredBytes: 'lots' } },
    { name: 'x', volumeCapabilities: 'all' },
    { name: 'x', volumeCapabilities: [null] },
    { name: 'x', volumeCapabilities: [fsCap()], parameters: { fsType: 7 } },
    { volumeId: 'pvc-create', stagingTargetPath: 12, targetPath: ['a'] },
    { name: 'x', sourceVolumeId: { a: 1 } },
  ];
  const calls: ((r: any) => Promise<unknown>)[] = [
    (r) => d.controller.createVolume(r),
    (r) => d.controller.deleteVolume(r),
    (r) => d.controller.controllerExpandVolume(r),
    (r) => d.controller.createSnapshot(r),
    (r) => d.controller.deleteSnapshot(r),
    (r) => d.node.nodeStageVolume(r),
    (r) => d.node.nodeUnstageVolume(r),
    (r) => d.node.nodePublishVolume(r),
    (r) => d.node.nodeUnpublishVolume(r),
    (r) => d.node.nodeExpandVolume(r),
    (r) => d.node.nodeGetVolumeStats(r),
  ];
  for (const [i, call] of calls.entries()) {
    for (const r of junk) {
      const out = await call(r).then(
        () => 'ok',
        (e) => (e instanceof CsiError ? 'refused' : `crashed: ${e}`),
      );
      assert.ok(out === 'refused' || out === 'ok', `call ${i} with ${JSON.stringify(r)}: ${out}`);
    }
  }
});
