// Start-up reconciliation of the local driver, before it serves a call: half-made images are
// removed, staged records are matched with the kernel's loop devices (found again with losetup -j,
// never attached twice), and loop devices backed by the driver's images that no staged volume
// accounts for — left by a crash between attach and record, or by an unstage cut short — are
// detached unless something still has them mounted.

import { basename } from 'node:path';
import type { DriverContext } from './context.js';
import { detachLoop, loopDevicesOf, loopDevicesUnder } from './loop.js';
import { mounts, usesOf } from './mounts.js';

export interface ReconcileResult {
  sweptFiles: string[];
  detached: string[];
  /** Staged records with nothing behind them (the host rebooted, or an unstage was cut short): forgotten; the CO stages again. */
  forgotten: string[];
}

export async function reconcile(ctx: Omit<DriverContext, 'ready'>): Promise<ReconcileResult> {
  const { store, log } = ctx;
  await store.init();
  const out: ReconcileResult = { sweptFiles: await store.sweep(), detached: [], forgotten: [] };
  const all = await mounts();

  // Staged volumes: which device each keeps.
  const keep = new Set<string>();
  for (const id of await store.volumeIds()) {
    const staged = await store.getStaged(id);
    if (!staged) continue;
    const devices = await loopDevicesOf(store.volumeImage(id));
    const mounted = all.some((m) => m.mountPoint === staged.stagingTargetPath);
    // Gone with a reboot (no device), or a Filesystem volume whose mount is gone (an unstage cut short
    // after its umount): not staged any more, and its devices are swept below.
    if ((devices.length === 0 && !mounted) || (staged.mode === 'Filesystem' && !mounted)) {
      await store.removeStaged(id);
      out.forgotten.push(id);
      continue;
    }
    // The device in use (mounted) wins; else the recorded one; else the first.
    const inUse = devices.find((d) => usesOf(all, d).length > 0) ?? devices.find((d) => d === staged.device) ?? devices[0];
    if (inUse) {
      keep.add(inUse);
      if (inUse !== staged.device) await store.putStaged({ ...staged, device: inUse });
    }
  }

  for (const { device, backingFile } of await loopDevicesUnder(store.volumesDir)) {
    if (keep.has(device)) continue;
    const users = usesOf(all, device);
    if (users.length > 0) {
      log.warn('a loop device of the local driver is mounted but no staged volume records it; leaving it', { device, backingFile, at: users.map((u) => u.mountPoint) });
      continue;
    }
    try {
      await detachLoop(device);
      out.detached.push(device);
      log.info('detached a stale loop device', { device, volume: basename(backingFile, '.img') });
    } catch (e) {
      log.warn('could not detach a stale loop device', { device, err: e });
    }
  }
  return out;
}
