// Sequential write throughput, fsync included, in a volume of gifee's built-in CSI driver (a sparse
// ext4 image on a loop device, staged and published as the agent would) against the same write on the
// host's data dir, measured in the same run, interleaved, median of several rounds (the disk is shared
// and noisy). Goal: ratio >= 0.9. Needs root (loop devices, mounts); skips otherwise.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalDriver } from '../src/csi/local-driver/index.js';
import { podMountPath, stagingPath } from '../src/csi/paths.js';
import type { VolumeCapability } from '../src/csi/types.js';
import { LOCAL_DRIVER } from '../src/api/storage-names.js';
import { logger } from '../src/util/log.js';
import { report } from './stats.js';

const run = promisify(execFile);
const MiB = 1024 * 1024;
const SIZE_MIB = Number(process.env.VOLUME_IO_MIB ?? 256);
const ROUNDS = Number(process.env.VOLUME_IO_ROUNDS ?? 5);

/** MB/s of writing SIZE_MIB with dd and fsyncing it before dd exits (conv=fsync). */
async function ddWrite(dir: string): Promise<number> {
  const file = join(dir, 'bench.dat');
  await rm(file, { force: true });
  await run('sync');
  const t = performance.now();
  await run('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${SIZE_MIB}`, 'conv=fsync'], { timeout: 300_000 });
  const s = (performance.now() - t) / 1000;
  await rm(file, { force: true });
  return (SIZE_MIB * MiB) / 1e6 / s;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (process.getuid?.() !== 0) {
  console.log('bench volume-io: skipped (needs root for loop devices and mounts)');
} else {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-bench-volume-io-'));
  const agentDir = join(dir, 'agent');
  const driver = new LocalDriver({ dataDir: dir, nodeName: 'bench', log: logger('local-csi', {}) });
  const cap: VolumeCapability = { mount: { fsType: 'ext4' }, accessMode: { mode: 'SINGLE_NODE_WRITER' } };
  const id = 'pvc-bench';
  const staging = stagingPath(agentDir, LOCAL_DRIVER, id);
  const target = podMountPath(join(agentDir, 'pods', 'bench'), id);
  const host = join(dir, 'host');
  await mkdir(host);
  try {
    await driver.controller.createVolume({ name: id, capacityRange: { requiredBytes: (SIZE_MIB * 2 + 512) * MiB }, volumeCapabilities: [cap] });
    await driver.node.nodeStageVolume({ volumeId: id, stagingTargetPath: staging, volumeCapability: cap });
    await driver.node.nodePublishVolume({ volumeId: id, stagingTargetPath: staging, targetPath: target, volumeCapability: cap });
    // One warm-up each (first allocation of the image's blocks, page cache), then interleaved rounds.
    await ddWrite(target);
    await ddWrite(host);
    const vol: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      vol.push(await ddWrite(target));
      base.push(await ddWrite(host));
    }
    const v = median(vol);
    const b = median(base);
    report(
      'volume-io',
      `${v.toFixed(0)} MB/s sequential write+fsync of ${SIZE_MIB} MiB in a local.csi.gifee.dev volume (ext4 on a loop device; median of ${ROUNDS})`,
      `${b.toFixed(0)} MB/s the same dd on the host data dir`,
      v / b,
      `goal >= 0.9; rounds volume ${vol.map((x) => x.toFixed(0)).join('/')} host ${base.map((x) => x.toFixed(0)).join('/')}`,
    );
  } finally {
    await driver.node.nodeUnpublishVolume({ volumeId: id, targetPath: target }).catch(() => {});
    await driver.node.nodeUnstageVolume({ volumeId: id, stagingTargetPath: staging }).catch(() => {});
    await driver.controller.deleteVolume({ volumeId: id }).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}
