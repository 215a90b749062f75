// The local driver's Node service: a volume is staged by attaching its image to a loop device (and,
// for a Filesystem volume, mounting it at the staging path), published by bind-mounting the staging
// mount (or, for Block, the device node) at the pod's target. The staged record and the kernel's
// loop table together say what is staged, so an agent restart picks up where it was.

import { mkdir, open, rmdir, stat, statfs, unlink, lstat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LOCAL_TOPOLOGY_KEY } from '../../api/storage-names.js';
import { type CapacityRange, CsiError, GrpcCode, type NodeCapabilityName, type NodeService, type VolumeCapability, type VolumeUsage } from '../types.js';
import type { DriverContext } from './context.js';
import { ext4SizeBytes, growOffline, growOnline } from './filesystem.js';
import { attachLoop, detachLoop, deviceSize, loopDevicesOf, refreshLoopSize } from './loop.js';
import { bindMount, mountDevice, mounts, mountsAt, unmountAll, usesOf } from './mounts.js';
import type { VolumeRecord } from './store.js';
import { capabilityMode, checkId, checkMountFlags, checkPathUnder } from './validate.js';
import { ifMissing, logFailure } from '../../util/best-effort.js';

const CAPABILITIES: NodeCapabilityName[] = ['STAGE_UNSTAGE_VOLUME', 'GET_VOLUME_STATS', 'EXPAND_VOLUME'];

export class LocalNode implements NodeService {
  constructor(private readonly ctx: DriverContext) {}

  async nodeGetInfo() {
    return { nodeId: this.ctx.nodeName, maxVolumesPerNode: this.ctx.maxVolumesPerNode, accessibleTopology: { segments: { [LOCAL_TOPOLOGY_KEY]: this.ctx.nodeName } } };
  }

  async nodeGetCapabilities() {
    return { capabilities: CAPABILITIES.map((type) => ({ rpc: { type } })) };
  }

  private async volume(id: string): Promise<VolumeRecord> {
    const v = await this.ctx.store.getVolume(id);
    if (!v) throw new CsiError(GrpcCode.NOT_FOUND, `volume ${id} does not exist on node ${this.ctx.nodeName}`);
    return v;
  }

  async nodeStageVolume(req: { volumeId: string; stagingTargetPath: string; volumeCapability: VolumeCapability }): Promise<void> {
    await this.ctx.ready();
    const id = checkId('volume id', req?.volumeId);
    const path = await checkPathUnder('staging target path', req.stagingTargetPath, this.ctx.agentDir);
    const mode = capabilityMode(req.volumeCapability);
    const flags = checkMountFlags(req.volumeCapability.mount?.mountFlags);
    await this.ctx.locks.with(id, async () => {
      const v = await this.volume(id);
      if (v.mode !== mode) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `volume ${id} is ${v.mode}, asked to stage it as ${mode}`);
      const staged = await this.ctx.store.getStaged(id);
      if (staged && staged.stagingTargetPath !== path) throw new CsiError(GrpcCode.FAILED_PRECONDITION, `volume ${id} is staged at ${staged.stagingTargetPath}, not ${path}`);
      const image = this.ctx.store.volumeImage(id);
      const attached = await loopDevicesOf(image);
      const wasAttached = attached.length > 0;
      const device = await attachLoop(image, attached);
      try {
        // The image may have grown while the device was attached (an expansion of a staged volume).
        if ((await deviceSize(device)) < (await stat(image)).size) await refreshLoopSize(device);
        if (mode === 'Filesystem') await this.mountStaged(v, device, path, flags);
        await this.ctx.store.putStaged({ volumeId: id, stagingTargetPath: path, mode, device });
      } catch (e) {
        // Never leave a device behind that nothing records.
        if (!wasAttached && !staged) await this.release(device).catch(logFailure(this.ctx.log, 'releasing the loop device of a failed stage', { volumeId: id, device }));
        throw e;
      }
      this.ctx.log.info('staged volume', { volumeId: id, device, path, mode });
    });
  }

  private async mountStaged(v: VolumeRecord, device: string, path: string, flags: string[]) {
    await mkdir(path, { recursive: true, mode: 0o750 });
    const here = await mountsAt(path);
    if (here.length > 0) {
      if (here[here.length - 1].source === device) return; // staged already (a retry)
      throw new CsiError(GrpcCode.ALREADY_EXISTS, `${path} has ${here[here.length - 1].source} mounted, not volume ${v.volumeId}`);
    }
    const fsType = v.fsType ?? 'ext4';
    // A volume that grew while unstaged (expanded, or cloned/restored into a larger size) grows now, before its first mount.
    if (fsType === 'ext4' && (await ext4SizeBytes(device)) < (await deviceSize(device))) await growOffline(device, fsType);
    await mountDevice(device, path, fsType, flags);
    if (fsType === 'xfs') await growOnline(device, path, fsType);
  }

  /** Detaches a loop device unless something still uses it. */
  private async release(device: string) {
    const users = usesOf(await mounts(), device);
    if (users.length > 0) throw new CsiError(GrpcCode.FAILED_PRECONDITION, `${device} is still in use at ${users.map((u) => u.mountPoint).join(', ')}`);
    await detachLoop(device);
  }

  async nodeUnstageVolume(req: { volumeId: string; stagingTargetPath: string }): Promise<void> {
    await this.ctx.ready();
    const id = checkId('volume id', req?.volumeId);
    const path = await checkPathUnder('staging target path', req.stagingTargetPath, this.ctx.agentDir);
    await this.ctx.locks.with(id, async () => {
      const staged = await this.ctx.store.getStaged(id);
      const image = this.ctx.store.volumeImage(id);
      const devices = await loopDevicesOf(image).catch(() => (staged ? [staged.device] : []));
      // Pods' bind mounts of the staging mount share its device: unstaging under them would pull the
      // filesystem from running pods. The CO unpublishes first; refuse if it did not.
      const all = await mounts();
      for (const dev of devices) {
        const others = usesOf(all, dev).filter((m) => m.mountPoint !== path);
        if (others.length > 0) throw new CsiError(GrpcCode.FAILED_PRECONDITION, `volume ${id} is still published at ${others.map((m) => m.mountPoint).join(', ')}`);
      }
      await unmountAll(path);
      for (const dev of devices) await this.release(dev);
      await this.ctx.store.removeStaged(id);
      this.ctx.log.info('unstaged volume', { volumeId: id, devices });
    });
  }

  async nodePublishVolume(req: { volumeId: string; stagingTargetPath?: string; targetPath: string; volumeCapability: VolumeCapability; readonly?: boolean }): Promise<void> {
    await this.ctx.ready();
    const id = checkId('volume id', req?.volumeId);
    const staging = await checkPathUnder('staging target path', req.stagingTargetPath, this.ctx.agentDir);
    const target = await checkPathUnder('target path', req.targetPath, this.ctx.agentDir);
    const mode = capabilityMode(req.volumeCapability);
    const readonly = req.readonly === true || req.volumeCapability.accessMode.mode === 'SINGLE_NODE_READER_ONLY';
    await this.ctx.locks.with(id, async () => {
      const v = await this.volume(id);
      if (v.mode !== mode) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `volume ${id} is ${v.mode}, asked to publish it as ${mode}`);
      const staged = await this.ctx.store.getStaged(id);
      if (!staged || staged.stagingTargetPath !== staging) throw new CsiError(GrpcCode.FAILED_PRECONDITION, `volume ${id} is not staged at ${staging}`);
      if (mode === 'Filesystem') {
        if ((await mountsAt(staging)).length === 0) throw new CsiError(GrpcCode.FAILED_PRECONDITION, `volume ${id}'s staging path ${staging} is not mounted`);
        await mkdir(target, { recursive: true, mode: 0o750 });
        if ((await mountsAt(target)).length > 0) return; // published already (a retry)
        await bindMount(staging, target, readonly);
      } else {
        const [device] = await loopDevicesOf(this.ctx.store.volumeImage(id));
        if (!device) throw new CsiError(GrpcCode.FAILED_PRECONDITION, `volume ${id} has no loop device: stage it again`);
        await mkdir(dirname(target), { recursive: true, mode: 0o750 });
        const st = await lstat(target).catch(ifMissing);
        if (st?.isDirectory()) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `target path ${target} of a block volume is a directory, not a file`);
        if (!st) await (await open(target, 'a', 0o600)).close();
        if ((await mountsAt(target)).length > 0) return;
        await bindMount(device, target, readonly);
      }
      this.ctx.log.info('published volume', { volumeId: id, target, readonly });
    });
  }

  async nodeUnpublishVolume(req: { volumeId: string; targetPath: string }): Promise<void> {
    await this.ctx.ready();
    const id = checkId('volume id', req?.volumeId);
    const target = await checkPathUnder('target path', req.targetPath, this.ctx.agentDir);
    await this.ctx.locks.with(id, async () => {
      await unmountAll(target);
      // Only what publish made goes: an empty directory or an empty placeholder file. Anything with
      // content in it is not ours to delete (and is never reached through a mount: unmounted above).
      const st = await lstat(target).catch(ifMissing);
      if (!st) return;
      try {
        if (st.isDirectory()) await rmdir(target);
        else if (st.isFile() && st.size === 0) await unlink(target);
        else this.ctx.log.warn('left a target path that publish did not make', { volumeId: id, target });
      } catch (e) {
        this.ctx.log.warn('could not remove a target path after unmounting it', { volumeId: id, target, err: e });
      }
    });
  }

  async nodeExpandVolume(req: { volumeId: string; volumePath: string; capacityRange?: CapacityRange }): Promise<{ capacityBytes: number }> {
    await this.ctx.ready();
    const id = checkId('volume id', req?.volumeId);
    const volumePath = await checkPathUnder('volume path', req.volumePath, this.ctx.agentDir);
    return this.ctx.locks.with(id, async () => {
      const v = await this.volume(id);
      const staged = await this.ctx.store.getStaged(id);
      if (!staged) throw new CsiError(GrpcCode.FAILED_PRECONDITION, `volume ${id} is not staged on node ${this.ctx.nodeName}`);
      if (!(await stat(volumePath).catch(ifMissing))) throw new CsiError(GrpcCode.NOT_FOUND, `volume path ${volumePath} does not exist`);
      const [device] = await loopDevicesOf(this.ctx.store.volumeImage(id));
      if (!device) throw new CsiError(GrpcCode.FAILED_PRECONDITION, `volume ${id} has no loop device: stage it again`);
      await refreshLoopSize(device);
      const size = await deviceSize(device);
      if (req.capacityRange?.requiredBytes && size < req.capacityRange.requiredBytes) throw new CsiError(GrpcCode.OUT_OF_RANGE, `volume ${id} is ${size} bytes: expand it with ControllerExpandVolume first`);
      if (v.mode === 'Filesystem') await growOnline(device, staged.stagingTargetPath, v.fsType ?? 'ext4');
      this.ctx.log.info('expanded volume on node', { volumeId: id, bytes: size });
      return { capacityBytes: size };
    });
  }

  async nodeGetVolumeStats(req: { volumeId: string; volumePath: string }): Promise<{ usage: VolumeUsage[] }> {
    await this.ctx.ready();
    const id = checkId('volume id', req?.volumeId);
    const volumePath = await checkPathUnder('volume path', req.volumePath, this.ctx.agentDir);
    const v = await this.volume(id);
    if (!(await stat(volumePath).catch(ifMissing))) throw new CsiError(GrpcCode.NOT_FOUND, `volume path ${volumePath} does not exist`);
    if (v.mode === 'Block') {
      const [device] = await loopDevicesOf(this.ctx.store.volumeImage(id));
      const total = device ? await deviceSize(device) : v.capacityBytes;
      return { usage: [{ total, available: 0, used: 0, unit: 'BYTES' }] };
    }
    // The statistics of whatever is mounted there: the host's, if the volume were not, which would lie.
    if ((await mountsAt(volumePath)).length === 0) throw new CsiError(GrpcCode.NOT_FOUND, `volume ${id} is not mounted at ${volumePath}`);
    const s = await statfs(volumePath);
    const bsize = Number(s.bsize);
    return {
      usage: [
        { total: Number(s.blocks) * bsize, available: Number(s.bavail) * bsize, used: (Number(s.blocks) - Number(s.bfree)) * bsize, unit: 'BYTES' },
        { total: Number(s.files), available: Number(s.ffree), used: Number(s.files) - Number(s.ffree), unit: 'INODES' },
      ],
    };
  }
}
