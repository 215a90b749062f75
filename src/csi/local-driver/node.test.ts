// The local driver's Node service against real loop devices and mounts: sizes are enforced (ENOSPC
// past the volume's size, a block device of exactly the size), read-only publishes, stats, expansion
// (online where the kernel lets this process resize, offline at the next stage elsewhere), clones and
// restores keep their data, and nothing is deleted or detached under a live mount.

import assert from 'node:assert/strict';
import { existsSync as existsOnDisk } from 'node:fs';
import { open, readFile, stat, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LOCAL_DRIVER, LOCAL_TOPOLOGY_KEY } from '../../api/storage-names.js';
import { blockStagingPath, podBlockPath, podMountPath, stagingPath } from '../paths.js';
import { CsiError, GrpcCode } from '../types.js';
import { loopDevicesOf } from './loop.js';
import { isMountPoint } from './mounts.js';
import { blockCap, fsCap, hasSysResource, MiB, skipWithoutLoop, type TestDriver, testDriver } from './test-support.js';

const code = (c: GrpcCode) => (e: unknown) => e instanceof CsiError && e.code === c;
const opts = { skip: skipWithoutLoop };
let t: TestDriver;

before(async () => {
  if (!skipWithoutLoop) t = await testDriver();
});
after(async () => t?.cleanup());

const paths = (id: string, pod = 'pod-1') => ({ staging: stagingPath(t.agentDir, LOCAL_DRIVER, id), target: podMountPath(join(t.agentDir, 'pods', pod), id) });
const dfBytes = async (p: string) => {
  const s = await statfs(p);
  return s.blocks * s.bsize;
};

test('NodeGetInfo and capabilities', opts, async () => {
  const info = await t.driver.node.nodeGetInfo();
  assert.equal(info.nodeId, 'node-a');
  assert.deepEqual(info.accessibleTopology, { segments: { [LOCAL_TOPOLOGY_KEY]: 'node-a' } });
  assert.ok((info.maxVolumesPerNode ?? 0) > 0);
  const caps = (await t.driver.node.nodeGetCapabilities()).capabilities.map((c) => c.rpc.type).sort();
  assert.deepEqual(caps, ['EXPAND_VOLUME', 'GET_VOLUME_STATS', 'STAGE_UNSTAGE_VOLUME']);
});

test('a filesystem volume: stage, publish, size enforced (ENOSPC), stats, read-only publish, unpublish, unstage', opts, async () => {
  const { controller: c, node: n } = t.driver;
  const id = 'pvc-fs';
  await c.createVolume({ name: id, capacityRange: { requiredBytes: 24 * MiB }, volumeCapabilities: [fsCap()] });
  const { staging, target } = paths(id);
  await n.nodeStageVolume({ volumeId: id, stagingTargetPath: staging, volumeCapability: fsCap() });
  await n.nodeStageVolume({ volumeId: id, stagingTargetPath: staging, volumeCapability: fsCap() }); // a retry
  assert.equal((await loopDevicesOf(`${t.dir}/storage/local/volumes/${id}.img`)).length, 1, 'one loop device, however often staged');
  await n.nodePublishVolume({ volumeId: id, stagingTargetPath: staging, targetPath: target, volumeCapability: fsCap() });
  await n.nodePublishVolume({ volumeId: id, stagingTargetPath: staging, targetPath: target, volumeCapability: fsCap() });
  await writeFile(join(target, 'hello.txt'), 'hello');
  assert.equal(await readFile(join(staging, 'hello.txt'), 'utf8'), 'hello');

  // Past the volume's size the filesystem says no.
  const f = await open(join(target, 'big'), 'w');
  const chunk = Buffer.alloc(MiB, 1);
  let err: NodeJS.ErrnoException | undefined;
  try {
    for (let i = 0; i < 40; i++) await f.write(chunk);
    await f.sync();
  } catch (e) {
    err = e as NodeJS.ErrnoException;
  } finally {
    await f.close().catch(() => {});
  }
  assert.equal(err?.code, 'ENOSPC', 'writing 40 MiB into a 24 MiB volume fails with ENOSPC');

  const stats = await n.nodeGetVolumeStats({ volumeId: id, volumePath: target });
  const bytes = stats.usage.find((u) => u.unit === 'BYTES')!;
  const inodes = stats.usage.find((u) => u.unit === 'INODES')!;
  assert.ok(bytes.total > 16 * MiB && bytes.total <= 24 * MiB, `total ${bytes.total}`);
  assert.ok(bytes.used > 16 * MiB, `used ${bytes.used}`);
  assert.ok(inodes.total > 0 && inodes.used >= 2);
  await assert.rejects(n.nodeGetVolumeStats({ volumeId: id, volumePath: join(t.agentDir, 'nowhere') }), code(GrpcCode.NOT_FOUND));

  // A second pod, read-only.
  const ro = paths(id, 'pod-2').target;
  await n.nodePublishVolume({ volumeId: id, stagingTargetPath: staging, targetPath: ro, volumeCapability: fsCap(), readonly: true });
  await assert.rejects(writeFile(join(ro, 'x'), 'x'), (e: NodeJS.ErrnoException) => e.code === 'EROFS');
  assert.equal(await readFile(join(ro, 'hello.txt'), 'utf8'), 'hello');

  // Unstaging or deleting under live publishes is refused; nothing is lost.
  await assert.rejects(n.nodeUnstageVolume({ volumeId: id, stagingTargetPath: staging }), code(GrpcCode.FAILED_PRECONDITION));
  await assert.rejects(c.deleteVolume({ volumeId: id }), code(GrpcCode.FAILED_PRECONDITION));
  await n.nodeUnpublishVolume({ volumeId: id, targetPath: ro });
  await n.nodeUnpublishVolume({ volumeId: id, targetPath: target });
  await n.nodeUnpublishVolume({ volumeId: id, targetPath: target }); // idempotent
  await assert.rejects(stat(target), 'the target directory is removed');
  await assert.rejects(c.deleteVolume({ volumeId: id }), code(GrpcCode.FAILED_PRECONDITION), 'still staged');
  await n.nodeUnstageVolume({ volumeId: id, stagingTargetPath: staging });
  await n.nodeUnstageVolume({ volumeId: id, stagingTargetPath: staging }); // idempotent
  assert.equal(await isMountPoint(staging), false);
  assert.deepEqual(await loopDevicesOf(`${t.dir}/storage/local/volumes/${id}.img`), []);
  // The data survived the round trip.
  await n.nodeStageVolume({ volumeId: id, stagingTargetPath: staging, volumeCapability: fsCap() });
  assert.equal(await readFile(join(staging, 'hello.txt'), 'utf8'), 'hello');
  await n.nodeUnstageVolume({ volumeId: id, stagingTargetPath: staging });
  await c.deleteVolume({ volumeId: id });
});

test('node calls refuse hostile paths and unknown volumes', opts, async () => {
  const n = t.driver.node;
  await assert.rejects(n.nodeStageVolume({ volumeId: 'pvc-nope', stagingTargetPath: paths('pvc-nope').staging, volumeCapability: fsCap() }), code(GrpcCode.NOT_FOUND));
  await assert.rejects(n.nodeStageVolume({ volumeId: 'pvc-nope', stagingTargetPath: '/etc', volumeCapability: fsCap() }), code(GrpcCode.INVALID_ARGUMENT));
  await assert.rejects(n.nodePublishVolume({ volumeId: 'pvc-nope', stagingTargetPath: paths('x').staging, targetPath: `${t.agentDir}/../../x`, volumeCapability: fsCap() }), code(GrpcCode.INVALID_ARGUMENT));
  await assert.rejects(n.nodeUnpublishVolume({ volumeId: '../pvc', targetPath: paths('x').target }), code(GrpcCode.INVALID_ARGUMENT));
  await n.nodeUnpublishVolume({ volumeId: 'pvc-nope', targetPath: paths('pvc-nope').target }); // nothing there: fine
  await t.driver.controller.createVolume({ name: 'pvc-unstaged', volumeCapabilities: [fsCap()], capacityRange: { requiredBytes: 16 * MiB } });
  await assert.rejects(n.nodePublishVolume({ volumeId: 'pvc-unstaged', stagingTargetPath: paths('pvc-unstaged').staging, targetPath: paths('pvc-unstaged').target, volumeCapability: fsCap() }), code(GrpcCode.FAILED_PRECONDITION));
  await assert.rejects(n.nodeStageVolume({ volumeId: 'pvc-unstaged', stagingTargetPath: paths('pvc-unstaged').staging, volumeCapability: blockCap() }), code(GrpcCode.INVALID_ARGUMENT));
  await t.driver.controller.deleteVolume({ volumeId: 'pvc-unstaged' });
});

test('a block volume: a device of exactly the requested size, bind-mounted on a file, expanded', opts, async () => {
  const { controller: c, node: n } = t.driver;
  const id = 'pvc-block';
  await c.createVolume({ name: id, capacityRange: { requiredBytes: 20 * MiB }, volumeCapabilities: [blockCap()] });
  const staging = blockStagingPath(t.agentDir, LOCAL_DRIVER, id);
  const target = podBlockPath(join(t.agentDir, 'pods', 'pod-b'), id);
  await n.nodeStageVolume({ volumeId: id, stagingTargetPath: staging, volumeCapability: blockCap() });
  await n.nodePublishVolume({ volumeId: id, stagingTargetPath: staging, targetPath: target, volumeCapability: blockCap() });
  assert.ok((await stat(target)).isBlockDevice(), 'the target is the device node');
  const size = async () => {
    const fh = await open(target, 'r');
    try {
      // A block device's size is where reading ends.
      return (await import('node:child_process')).execFileSync('blockdev', ['--getsize64', target], { encoding: 'utf8' }).trim();
    } finally {
      await fh.close();
    }
  };
  assert.equal(await size(), String(20 * MiB));
  // Writes go to the image.
  const fh = await open(target, 'r+');
  await fh.write(Buffer.from('raw block data'), 0, 14, 4096);
  await fh.close();
  const stats = await n.nodeGetVolumeStats({ volumeId: id, volumePath: target });
  assert.deepEqual(stats.usage, [{ total: 20 * MiB, available: 0, used: 0, unit: 'BYTES' }]);
  // Expansion of a block volume is the controller's alone (the device is refreshed there).
  assert.equal((await c.controllerExpandVolume({ volumeId: id, capacityRange: { requiredBytes: 30 * MiB } })).nodeExpansionRequired, false);
  assert.equal(await size(), String(30 * MiB));
  assert.equal((await n.nodeExpandVolume({ volumeId: id, volumePath: target })).capacityBytes, 30 * MiB);

  await assert.rejects(n.nodeUnstageVolume({ volumeId: id, stagingTargetPath: staging }), code(GrpcCode.FAILED_PRECONDITION), 'published');
  await n.nodeUnpublishVolume({ volumeId: id, targetPath: target });
  await assert.rejects(stat(target));
  await n.nodeUnstageVolume({ volumeId: id, stagingTargetPath: staging });
  assert.deepEqual(await loopDevicesOf(`${t.dir}/storage/local/volumes/${id}.img`), []);
  const img = await open(`${t.dir}/storage/local/volumes/${id}.img`, 'r');
  const buf = Buffer.alloc(14);
  await img.read(buf, 0, 14, 4096);
  await img.close();
  assert.equal(buf.toString(), 'raw block data');
  await c.deleteVolume({ volumeId: id });
});

test('clone and snapshot restore keep the data and grow to the asked size', opts, async () => {
  const { controller: c, node: n } = t.driver;
  await c.createVolume({ name: 'pvc-origin', capacityRange: { requiredBytes: 16 * MiB }, volumeCapabilities: [fsCap()] });
  const o = paths('pvc-origin');
  await n.nodeStageVolume({ volumeId: 'pvc-origin', stagingTargetPath: o.staging, volumeCapability: fsCap() });
  await writeFile(join(o.staging, 'data.txt'), 'original');
  // Taken while staged: the filesystem is frozen for the copy, so the file is in it.
  await c.createSnapshot({ sourceVolumeId: 'pvc-origin', name: 'snapshot-origin' });
  const clone = await c.createVolume({ name: 'pvc-clone', capacityRange: { requiredBytes: 48 * MiB }, volumeCapabilities: [fsCap()], volumeContentSource: { volume: { volumeId: 'pvc-origin' } } });
  assert.deepEqual(clone.volume.contentSource, { volume: { volumeId: 'pvc-origin' } });
  await writeFile(join(o.staging, 'data.txt'), 'changed later');

  const restored = await c.createVolume({ name: 'pvc-restored', capacityRange: { requiredBytes: 32 * MiB }, volumeCapabilities: [fsCap()], volumeContentSource: { snapshot: { snapshotId: 'snapshot-origin' } } });
  assert.equal(restored.volume.capacityBytes, 32 * MiB);
  for (const [id, size] of [
    ['pvc-clone', 48],
    ['pvc-restored', 32],
  ] as const) {
    const p = paths(id);
    await n.nodeStageVolume({ volumeId: id, stagingTargetPath: p.staging, volumeCapability: fsCap() });
    assert.equal(await readFile(join(p.staging, 'data.txt'), 'utf8'), 'original', id);
    const df = await dfBytes(p.staging);
    assert.ok(df > (size - 8) * MiB && df <= size * MiB, `${id}: the filesystem grew to the volume (${df})`);
    await n.nodeUnstageVolume({ volumeId: id, stagingTargetPath: p.staging });
    await c.deleteVolume({ volumeId: id });
  }
  await n.nodeUnstageVolume({ volumeId: 'pvc-origin', stagingTargetPath: o.staging });
  await c.deleteSnapshot({ snapshotId: 'snapshot-origin' });
  await c.deleteVolume({ volumeId: 'pvc-origin' });
});

test('expansion of a filesystem volume: online while mounted where the kernel allows, else at the next stage', opts, async () => {
  const { controller: c, node: n } = t.driver;
  const id = 'pvc-expand';
  await c.createVolume({ name: id, capacityRange: { requiredBytes: 32 * MiB }, volumeCapabilities: [fsCap()] });
  const p = paths(id);
  await n.nodeStageVolume({ volumeId: id, stagingTargetPath: p.staging, volumeCapability: fsCap() });
  await n.nodePublishVolume({ volumeId: id, stagingTargetPath: p.staging, targetPath: p.target, volumeCapability: fsCap() });
  const before = await dfBytes(p.target);
  assert.equal((await c.controllerExpandVolume({ volumeId: id, capacityRange: { requiredBytes: 96 * MiB } })).capacityBytes, 96 * MiB);
  if (hasSysResource()) {
    assert.equal((await n.nodeExpandVolume({ volumeId: id, volumePath: p.target, capacityRange: { requiredBytes: 96 * MiB } })).capacityBytes, 96 * MiB);
    const grown = await dfBytes(p.target);
    assert.ok(grown > before + 50 * MiB, `df grew while mounted: ${before} -> ${grown}`);
  } else {
    // This sandbox drops CAP_SYS_RESOURCE, which ext4's online resize needs: a clear refusal...
    await assert.rejects(n.nodeExpandVolume({ volumeId: id, volumePath: p.target }), (e: unknown) => e instanceof CsiError && e.code === GrpcCode.FAILED_PRECONDITION && /CAP_SYS_RESOURCE/.test(e.message));
    // ...and the filesystem grows offline when the volume is staged again.
    await n.nodeUnpublishVolume({ volumeId: id, targetPath: p.target });
    await n.nodeUnstageVolume({ volumeId: id, stagingTargetPath: p.staging });
    await n.nodeStageVolume({ volumeId: id, stagingTargetPath: p.staging, volumeCapability: fsCap() });
    await n.nodePublishVolume({ volumeId: id, stagingTargetPath: p.staging, targetPath: p.target, volumeCapability: fsCap() });
    const grown = await dfBytes(p.target);
    assert.ok(grown > before + 50 * MiB, `df grew at the next stage: ${before} -> ${grown}`);
  }
  await n.nodeUnpublishVolume({ volumeId: id, targetPath: p.target });
  await n.nodeUnstageVolume({ volumeId: id, stagingTargetPath: p.staging });
  await c.deleteVolume({ volumeId: id });
});

test('retries racing each other: one volume, one loop device, one mount', opts, async () => {
  const { controller: c, node: n } = t.driver;
  const id = 'pvc-race';
  const req = { name: id, capacityRange: { requiredBytes: 16 * MiB }, volumeCapabilities: [fsCap()] };
  const made = await Promise.all([c.createVolume(req), c.createVolume(req), c.createVolume(req)]);
  assert.deepEqual(made[1], made[0]);
  assert.deepEqual(made[2], made[0]);
  const p = paths(id);
  await Promise.all([1, 2, 3].map(() => n.nodeStageVolume({ volumeId: id, stagingTargetPath: p.staging, volumeCapability: fsCap() })));
  assert.equal((await loopDevicesOf(`${t.dir}/storage/local/volumes/${id}.img`)).length, 1);
  const { mountsAt } = await import('./mounts.js');
  assert.equal((await mountsAt(p.staging)).length, 1);
  await Promise.all([1, 2].map(() => n.nodeUnstageVolume({ volumeId: id, stagingTargetPath: p.staging })));
  await Promise.all([c.deleteVolume({ volumeId: id }), c.deleteVolume({ volumeId: id })]);
});

test('an xfs volume grows online while mounted (xfs_growfs needs no CAP_SYS_RESOURCE)', { skip: skipWithoutLoop || (process.env.PATH ?? '').split(':').every((d) => !existsOnDisk(join(d, 'mkfs.xfs'))) ? 'needs loop devices and mkfs.xfs (xfsprogs)' : false }, async () => {
  const { controller: c, node: n } = t.driver;
  const id = 'pvc-xfs-online';
  const xfs: ReturnType<typeof fsCap> = { mount: { fsType: 'xfs' }, accessMode: { mode: 'SINGLE_NODE_WRITER' } };
  // mkfs.xfs refuses filesystems under 300 MiB; the image is sparse, so this costs no disk.
  await c.createVolume({ name: id, capacityRange: { requiredBytes: 320 * MiB }, volumeCapabilities: [xfs] });
  const p = paths(id);
  await n.nodeStageVolume({ volumeId: id, stagingTargetPath: p.staging, volumeCapability: xfs });
  await n.nodePublishVolume({ volumeId: id, stagingTargetPath: p.staging, targetPath: p.target, volumeCapability: xfs });
  await writeFile(join(p.target, 'kept'), 'data');
  const before = await dfBytes(p.target);
  await c.controllerExpandVolume({ volumeId: id, capacityRange: { requiredBytes: 448 * MiB } });
  assert.equal((await n.nodeExpandVolume({ volumeId: id, volumePath: p.target, capacityRange: { requiredBytes: 448 * MiB } })).capacityBytes, 448 * MiB);
  const grown = await dfBytes(p.target);
  assert.ok(grown > before + 100 * MiB, `df grew while mounted: ${before} -> ${grown}`);
  assert.equal(await readFile(join(p.target, 'kept'), 'utf8'), 'data');
  await n.nodeUnpublishVolume({ volumeId: id, targetPath: p.target });
  await n.nodeUnstageVolume({ volumeId: id, stagingTargetPath: p.staging });
  await c.deleteVolume({ volumeId: id });
});
