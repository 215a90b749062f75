// Loop devices backing the local driver's volumes. The kernel is the record of which device serves
// which image (losetup -j), so an agent restart finds the devices of staged volumes again instead of
// attaching new ones, and devices nobody accounts for can be found and detached.

import { readFile } from 'node:fs/promises';
import { run } from './exec.js';
import { ignoreError } from '../../util/best-effort.js';

/** The loop devices attached to an image (usually none or one). */
export async function loopDevicesOf(image: string): Promise<string[]> {
  const { stdout } = await run('losetup', ['--associated', image]);
  return parseDeviceNames(stdout);
}

export function parseDeviceNames(out: string): string[] {
  const devs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^\s*(\/dev\/loop\d+)/.exec(line);
    if (m) devs.push(m[1]);
  }
  return devs;
}

/** Every loop device whose backing file is under `dir` (deleted files included), with that file. */
export async function loopDevicesUnder(dir: string): Promise<{ device: string; backingFile: string }[]> {
  const { stdout } = await run('losetup', ['--list', '--json', '--output', 'NAME,BACK-FILE']);
  if (!stdout.trim()) return [];
  const parsed = JSON.parse(stdout) as { loopdevices?: { name: string; 'back-file'?: string | null }[] };
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return (parsed.loopdevices ?? []).map((d) => ({ device: d.name, backingFile: (d['back-file'] ?? '').replace(/ \(deleted\)$/, '') })).filter((d) => d.backingFile.startsWith(prefix));
}

/**
 * Attaches an image, or returns the device already serving it. Direct I/O: the image's pages are not
 * cached twice (once for the loop device's filesystem, once for the host's), which keeps sequential
 * throughput near the host's and memory use flat (bench/volume-io.ts: ratio 1.03 to the host with it,
 * 0.47 without); the kernel falls back silently where unsupported. `attached`: the image's devices
 * as the caller just listed them (saves running losetup twice).
 */
export async function attachLoop(image: string, attached?: string[]): Promise<string> {
  const existing = attached ?? (await loopDevicesOf(image));
  if (existing.length > 0) return existing[0];
  const { stdout } = await oneFindAtATime(() => run('losetup', ['--find', '--show', '--direct-io=on', image]));
  const dev = stdout.trim();
  if (!/^\/dev\/loop\d+$/.test(dev)) throw new Error(`losetup printed ${JSON.stringify(dev)} instead of a loop device`);
  return dev;
}

/**
 * `losetup --find` runs one at a time in this process: concurrent ones pick the same free device,
 * and the losers sleep 200 ms per retry (util-linux), so 20 volumes staged at once took 1.7 s
 * instead of 20 × ~10 ms.
 */
let findTail: Promise<unknown> = Promise.resolve();
function oneFindAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const mine = findTail.then(fn, fn);
  findTail = mine.catch(ignoreError('the caller of this find gets its failure; the queue only waits for it to end'));
  return mine;
}

export async function detachLoop(device: string): Promise<void> {
  await run('losetup', ['--detach', device]).catch((e: { stderr?: string }) => {
    // Already gone (detached by someone else, or auto-cleared): nothing to do.
    if (/No such device|No such file/i.test(e.stderr ?? '')) return;
    throw e;
  });
  await releasedOrTimeout(device);
}

const DETACH_WAIT_MS = 3000;

/**
 * Waits (bounded) until the kernel really let go of the image. A detach while someone still holds the
 * device open (udev's probe right after the unmount, typically) only marks it auto-clear and succeeds;
 * until the last opener closes, `losetup -j` still lists it and deleting the volume would be refused.
 * After the bound the caller goes on: the delete's refusal is retryable and the kernel clears it soon.
 */
async function releasedOrTimeout(device: string): Promise<void> {
  const m = /^\/dev\/(loop\d+)$/.exec(device);
  if (!m) return;
  const backing = `/sys/block/${m[1]}/loop/backing_file`;
  const deadline = Date.now() + DETACH_WAIT_MS;
  while (Date.now() < deadline) {
    const still = await readFile(backing, 'utf8').then(
      () => true,
      () => false,
    );
    if (!still) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** After the image grew: the device takes the new size (losetup -c). */
export const refreshLoopSize = (device: string) => run('losetup', ['--set-capacity', device]).then(() => {});

/** A device's size in bytes: from sysfs (no child process; a loop device's size there is in 512-byte sectors), else blockdev. */
export async function deviceSize(device: string): Promise<number> {
  const m = /^\/dev\/(loop\d+)$/.exec(device);
  if (m) {
    const sectors = await readFile(`/sys/block/${m[1]}/size`, 'utf8').catch(() => '');
    if (/^\d+\s*$/.test(sectors)) return Number(sectors) * 512;
  }
  const { stdout } = await run('blockdev', ['--getsize64', device]);
  return Number(stdout.trim());
}
