// An agent restart: a new driver on the same data dir finds the loop devices of staged volumes again
// (losetup -j) instead of attaching new ones, detaches the devices nobody accounts for, and sweeps
// images a crash left half-made.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { LOCAL_DRIVER } from '../../api/storage-names.js';
import { podMountPath, stagingPath } from '../paths.js';
import { loopDevicesOf } from './loop.js';
import { fsCap, MiB, skipWithoutLoop, type TestDriver, testDriver } from './test-support.js';

const opts = { skip: skipWithoutLoop };
let t: TestDriver;

before(async () => {
  if (!skipWithoutLoop) t = await testDriver();
});
after(async () => t?.cleanup());

const image = (id: string) => join(t.dir, 'storage', 'local', 'volumes', `${id}.img`);

test('a restarted driver finds the loop device of a staged volume and keeps serving it', opts, async () => {
  const first = t.driver;
  await first.controller.createVolume({ name: 'pvc-restart', capacityRange: { requiredBytes: 16 * MiB }, volumeCapabilities: [fsCap()] });
  const staging = stagingPath(t.agentDir, LOCAL_DRIVER, 'pvc-restart');
  const target = podMountPath(join(t.agentDir, 'pods', 'p1'), 'pvc-restart');
  await first.node.nodeStageVolume({ volumeId: 'pvc-restart', stagingTargetPath: staging, volumeCapability: fsCap() });
  await first.node.nodePublishVolume({ volumeId: 'pvc-restart', stagingTargetPath: staging, targetPath: target, volumeCapability: fsCap() });
  await writeFile(join(target, 'f'), 'kept');
  const [device] = await loopDevicesOf(image('pvc-restart'));

  const second = t.restart();
  const result = await second.start();
  assert.deepEqual(result.detached, [], 'the staged volume keeps its device');
  // Staging again (kubelet does after a restart) reuses the device.
  await second.node.nodeStageVolume({ volumeId: 'pvc-restart', stagingTargetPath: staging, volumeCapability: fsCap() });
  assert.deepEqual(await loopDevicesOf(image('pvc-restart')), [device]);
  assert.equal(await readFile(join(target, 'f'), 'utf8'), 'kept');
  const stats = await second.node.nodeGetVolumeStats({ volumeId: 'pvc-restart', volumePath: target });
  assert.ok(stats.usage[0].total > 0);
  await second.node.nodeUnpublishVolume({ volumeId: 'pvc-restart', targetPath: target });
  await second.node.nodeUnstageVolume({ volumeId: 'pvc-restart', stagingTargetPath: staging });
  assert.deepEqual(await loopDevicesOf(image('pvc-restart')), [], 'the restarted driver detached it');
  await second.controller.deleteVolume({ volumeId: 'pvc-restart' });
});

test('stale loop devices are detached at start; a staged record without device or mount is forgotten; half-made images swept', opts, async () => {
  const d = t.restart();
  await d.controller.createVolume({ name: 'pvc-stale', capacityRange: { requiredBytes: 16 * MiB }, volumeCapabilities: [fsCap()] });
  await d.controller.createVolume({ name: 'pvc-dup', capacityRange: { requiredBytes: 16 * MiB }, volumeCapabilities: [fsCap()] });
  const staging = stagingPath(t.agentDir, LOCAL_DRIVER, 'pvc-dup');
  await d.node.nodeStageVolume({ volumeId: 'pvc-dup', stagingTargetPath: staging, volumeCapability: fsCap() });
  const [kept] = await loopDevicesOf(image('pvc-dup'));
  // A crash between attach and record (pvc-stale), a second device for a staged image (pvc-dup).
  const attach = (img: string) => execFileSync('losetup', ['--find', '--show', img], { encoding: 'utf8' }).trim();
  const stale = attach(image('pvc-stale'));
  const dup = attach(image('pvc-dup'));
  // A staged record whose device went with a reboot, and an image a crash left half-made.
  await writeFile(join(t.dir, 'storage', 'local', 'staged', 'pvc-stale.json'), JSON.stringify({ volumeId: 'pvc-stale', stagingTargetPath: stagingPath(t.agentDir, LOCAL_DRIVER, 'pvc-stale'), mode: 'Filesystem', device: '/dev/loop999' }));
  execFileSync('losetup', ['--detach', stale]);
  const stale2 = attach(image('pvc-stale'));
  await writeFile(join(t.dir, 'storage', 'local', 'volumes', 'pvc-half.img.tmp'), 'x');
  await writeFile(join(t.dir, 'storage', 'local', 'volumes', 'pvc-orphan.img'), 'x');

  const restarted = t.restart();
  const result = await restarted.start();
  assert.deepEqual(result.detached.sort(), [dup, stale2].sort());
  assert.deepEqual(result.forgotten, ['pvc-stale'], 'its record said mounted, and nothing is mounted there');
  assert.deepEqual(await loopDevicesOf(image('pvc-dup')), [kept], 'the mounted device stays');
  assert.deepEqual(await loopDevicesOf(image('pvc-stale')), []);
  assert.equal(result.sweptFiles.length, 2);
  await assert.rejects(stat(join(t.dir, 'storage', 'local', 'volumes', 'pvc-orphan.img')));

  // A further restart finds nothing to do.
  const again = await t.restart().start();
  assert.deepEqual(again, { sweptFiles: [], detached: [], forgotten: [] });
  await restarted.controller.deleteVolume({ volumeId: 'pvc-stale' });
  await restarted.node.nodeUnstageVolume({ volumeId: 'pvc-dup', stagingTargetPath: staging });
  await restarted.controller.deleteVolume({ volumeId: 'pvc-dup' });
  assert.deepEqual(await loopDevicesOf(image('pvc-dup')), []);
});
