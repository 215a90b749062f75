// Shared by the local driver's tests: a driver on a temporary data dir, capabilities, and whether
// this machine can run them at all (root, losetup, mkfs.ext4).

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '../../util/log.js';
import type { VolumeCapability } from '../types.js';
import { LocalDriver } from './index.js';
import { unmountAll } from './mounts.js';
import { loopDevicesUnder, detachLoop } from './loop.js';
import { logFailure } from '../../util/best-effort.js';

function canRun(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('losetup', ['--version'], { stdio: 'ignore' });
    execFileSync('mkfs.ext4', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why the tests that need real loop devices and mounts skip, or false when they can run. */
export const skipWithoutLoop: string | false = canRun() ? false : 'needs root, losetup and mkfs.ext4';

/** CAP_SYS_RESOURCE (bit 24): ext4's online resize ioctl needs it, some sandboxes drop it. */
export function hasSysResource(): boolean {
  try {
    const m = /^CapEff:\s+([0-9a-f]+)/m.exec(execFileSync('cat', ['/proc/self/status'], { encoding: 'utf8' }));
    return m ? (BigInt(`0x${m[1]}`) & (1n << 24n)) !== 0n : false;
  } catch {
    return false;
  }
}

export const fsCap = (mode: VolumeCapability['accessMode']['mode'] = 'SINGLE_NODE_WRITER'): VolumeCapability => ({ mount: { fsType: 'ext4' }, accessMode: { mode } });
export const blockCap = (): VolumeCapability => ({ block: {}, accessMode: { mode: 'SINGLE_NODE_WRITER' } });
export const MiB = 1024 * 1024;

export interface TestDriver {
  dir: string;
  agentDir: string;
  driver: LocalDriver;
  /** A new driver on the same data dir (an agent restart). */
  restart(): LocalDriver;
  cleanup(): Promise<void>;
}

export async function testDriver(nodeName = 'node-a'): Promise<TestDriver> {
  const dir = await mkdtemp(join(tmpdir(), 'gifee-local-csi-'));
  const agentDir = join(dir, 'agent');
  const log = logger('local-csi-test');
  const make = () => new LocalDriver({ dataDir: dir, nodeName, log });
  return {
    dir,
    agentDir,
    driver: make(),
    restart: make,
    async cleanup() {
      // Whatever a failed test left mounted or attached under this dir goes, then the dir.
      const { mounts } = await import('./mounts.js');
      const ours = (await mounts()).filter((m) => m.mountPoint.startsWith(`${dir}/`)).reverse();
      for (const m of ours) await unmountAll(m.mountPoint).catch(logFailure(log, 'unmounting a test leftover', { mountPoint: m.mountPoint }));
      for (const d of await loopDevicesUnder(join(dir, 'storage'))) await detachLoop(d.device).catch(logFailure(log, 'detaching a test leftover loop device', { device: d.device }));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
