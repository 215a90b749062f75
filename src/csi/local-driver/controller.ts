// The local driver's Controller service: volumes are sparse image files on this node, formatted at
// creation for Filesystem volumes; clones and snapshots are copies of the image (reflinked where the
// host filesystem can, sparse otherwise); expansion grows the image.

import { open, truncate, rename, rm, stat } from 'node:fs/promises';
import { LOCAL_TOPOLOGY_KEY } from '../../api/storage-names.js';
import { type CapacityRange, type ControllerCapabilityName, type ControllerService, type CreateVolumeRequest, CsiError, GrpcCode, type Snapshot, type Topology, type Volume } from '../types.js';
import { CONTROLLER_LOCK, DEFAULT_VOLUME_BYTES, type DriverContext, MiB, MIN_VOLUME_BYTES } from './context.js';
import { run } from './exec.js';
import { checkFsType, format } from './filesystem.js';
import { loopDevicesOf, refreshLoopSize } from './loop.js';
import type { SnapshotRecord, VolumeRecord } from './store.js';
import { checkId, modeOf } from './validate.js';

const CAPABILITIES: ControllerCapabilityName[] = ['CREATE_DELETE_VOLUME', 'EXPAND_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'CLONE_VOLUME', 'GET_CAPACITY'];
/** Copying a large image takes a while; a stuck copy must still end. */
const COPY_TIMEOUT_MS = 30 * 60_000;
const MAX_BYTES = 2 ** 50; // 1 PiB: larger than any node, small enough to stay an exact number

/** The size a volume gets: the request rounded up to whole MiB, at least the minimum, within the limit. */
export function sizeFor(range: CapacityRange | undefined, minimum = MIN_VOLUME_BYTES): number {
  const required = range?.requiredBytes ?? 0;
  const limit = range?.limitBytes ?? 0;
  if (!Number.isSafeInteger(required) || !Number.isSafeInteger(limit) || required < 0 || limit < 0) throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'capacity range must be whole, non-negative byte counts');
  if (limit && required > limit) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `required bytes ${required} exceed limit bytes ${limit}`);
  let size = required ? Math.ceil(required / MiB) * MiB : limit ? Math.min(DEFAULT_VOLUME_BYTES, Math.floor(limit / MiB) * MiB) : DEFAULT_VOLUME_BYTES;
  size = Math.max(size, minimum);
  if (size > MAX_BYTES) throw new CsiError(GrpcCode.OUT_OF_RANGE, `${required} bytes is larger than any volume this driver makes`);
  if (limit && size > limit) throw new CsiError(GrpcCode.OUT_OF_RANGE, `limit bytes ${limit} is below the smallest volume this driver makes (${minimum} bytes, whole MiB)`);
  return size;
}

const topology = (node: string): Topology[] => [{ segments: { [LOCAL_TOPOLOGY_KEY]: node } }];

/** Whether a list of topologies admits this node (a topology without our key constrains nothing we know). */
function admits(list: Topology[] | undefined, node: string): boolean {
  if (!list?.length) return true;
  return list.some((t) => {
    const v = t?.segments?.[LOCAL_TOPOLOGY_KEY];
    return v === undefined || v === node;
  });
}

export class LocalController implements ControllerService {
  /** Bytes that creations in flight have reserved but may not have written yet. */
  private reserved = 0;

  constructor(private readonly ctx: DriverContext) {}

  async controllerGetCapabilities() {
    return { capabilities: CAPABILITIES.map((type) => ({ rpc: { type } })) };
  }

  async createVolume(req: CreateVolumeRequest): Promise<{ volume: Volume }> {
    await this.ctx.ready();
    const name = checkId('volume name', req?.name);
    const mode = modeOf(req.volumeCapabilities);
    const params = req.parameters ?? {};
    const fsType = mode === 'Filesystem' ? await checkFsType(req.volumeCapabilities.find((c) => c.mount?.fsType)?.mount?.fsType || params.fsType || params['csi.storage.k8s.io/fstype']) : undefined;
    const src = req.volumeContentSource;
    if (src && ((src.snapshot && src.volume) || (!src.snapshot && !src.volume))) throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'a volume content source is one snapshot or one volume');
    const srcId = src?.snapshot ? checkId('source snapshot id', src.snapshot.snapshotId) : src?.volume ? checkId('source volume id', src.volume.volumeId) : undefined;
    const requisite = req.accessibilityRequirements?.requisite;
    if (!admits(requisite, this.ctx.nodeName)) throw new CsiError(GrpcCode.RESOURCE_EXHAUSTED, `volumes of this driver live on node ${this.ctx.nodeName}, which the requisite topology excludes`);

    // Creations of different volumes run in parallel (formatting is a child process each; a
    // StatefulSet's claims arrive together): one name's calls are serialized by its own lock, and
    // the controller lock is held only while a creation checks and reserves room (and records the
    // volume), so deletions, expansions and snapshots still see a consistent store.
    return this.ctx.locks.with(name, async () => {
      const existing = await this.ctx.store.getVolume(name);
      if (existing) return { volume: this.compatible(existing, req, mode) };

      // The content to start from: its size is the floor of the new volume's.
      let sourceImage: string | undefined;
      let sourceSize = 0;
      let sourceFsType: string | undefined;
      if (src?.snapshot) {
        const snap = await this.ctx.store.getSnapshot(srcId!);
        if (!snap) throw new CsiError(GrpcCode.NOT_FOUND, `snapshot ${srcId} does not exist`);
        if (snap.mode !== mode) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `snapshot ${srcId} is of a ${snap.mode} volume; the new volume is ${mode}`);
        sourceImage = this.ctx.store.snapshotImage(snap.snapshotId);
        sourceSize = snap.sizeBytes;
        sourceFsType = snap.fsType;
      } else if (src?.volume) {
        const vol = await this.ctx.store.getVolume(srcId!);
        if (!vol) throw new CsiError(GrpcCode.NOT_FOUND, `volume ${srcId} does not exist`);
        if (vol.mode !== mode) throw new CsiError(GrpcCode.INVALID_ARGUMENT, `volume ${srcId} is ${vol.mode}; the new volume is ${mode}`);
        sourceImage = this.ctx.store.volumeImage(vol.volumeId);
        sourceSize = vol.capacityBytes;
        sourceFsType = vol.fsType;
      }
      if (req.capacityRange?.requiredBytes && req.capacityRange.requiredBytes < sourceSize) throw new CsiError(GrpcCode.OUT_OF_RANGE, `the source holds ${sourceSize} bytes, more than the ${req.capacityRange.requiredBytes} asked for`);
      const size = sizeFor(req.capacityRange, Math.max(MIN_VOLUME_BYTES, sourceSize));
      if (req.capacityRange?.limitBytes && sourceSize > req.capacityRange.limitBytes) throw new CsiError(GrpcCode.OUT_OF_RANGE, `the source holds ${sourceSize} bytes, more than the limit ${req.capacityRange.limitBytes}`);
      await this.ctx.locks.with(CONTROLLER_LOCK, async () => {
        // Room is what the filesystem has free less what creations in flight may still write.
        const free = (await this.ctx.store.freeBytes()) - this.reserved;
        if (size > free) throw new CsiError(GrpcCode.RESOURCE_EXHAUSTED, `volume of ${size} bytes does not fit: ${Math.max(0, free)} bytes free on node ${this.ctx.nodeName}`);
        this.reserved += size;
      });

      const image = this.ctx.store.volumeImage(name);
      const tmp = this.ctx.store.tmpImage(image);
      try {
        if (sourceImage && src?.volume) await this.ctx.locks.with(srcId!, () => this.copyImage(srcId!, sourceImage!, tmp));
        else if (sourceImage) await copy(sourceImage, tmp);
        else {
          await (await open(tmp, 'w', 0o600)).close();
          await truncate(tmp, size); // a sparse file of the volume's size
          if (mode === 'Filesystem') await format(tmp, fsType!);
        }
        // A copy grows to the asked size; its filesystem follows when the volume is staged.
        if (sourceImage && size > (await stat(tmp)).size) await truncate(tmp, size);
        await rename(tmp, image);
      } catch (e) {
        await rm(tmp, { force: true });
        throw e;
      } finally {
        this.reserved -= size;
      }
      const record: VolumeRecord = {
        volumeId: name,
        name,
        capacityBytes: size,
        mode,
        fsType: sourceFsType ?? fsType,
        source: src?.snapshot ? { snapshotId: srcId } : src?.volume ? { volumeId: srcId } : undefined,
        createdAt: new Date().toISOString(),
      };
      await this.ctx.locks.with(CONTROLLER_LOCK, () => this.ctx.store.putVolume(record));
      this.ctx.log.info('created volume', { volumeId: name, bytes: size, mode, fsType: record.fsType, source: record.source });
      return { volume: this.volumeOf(record) };
    });
  }

  /** A repeated CreateVolume: the same volume, or ALREADY_EXISTS when the request cannot be that volume. */
  private compatible(v: VolumeRecord, req: CreateVolumeRequest, mode: string): Volume {
    const r = req.capacityRange;
    const src = req.volumeContentSource;
    const sameSource = (src?.snapshot?.snapshotId ?? undefined) === v.source?.snapshotId && (src?.volume?.volumeId ?? undefined) === v.source?.volumeId;
    if (v.mode !== mode || (r?.requiredBytes && v.capacityBytes < r.requiredBytes) || (r?.limitBytes && v.capacityBytes > r.limitBytes) || !sameSource) {
      throw new CsiError(GrpcCode.ALREADY_EXISTS, `volume ${v.volumeId} exists with a different size, mode or source`);
    }
    return this.volumeOf(v);
  }

  private volumeOf(v: VolumeRecord): Volume {
    const out: Volume = { volumeId: v.volumeId, capacityBytes: v.capacityBytes, accessibleTopology: topology(this.ctx.nodeName), volumeContext: { mode: v.mode, ...(v.fsType ? { fsType: v.fsType } : {}) } };
    if (v.source?.snapshotId) out.contentSource = { snapshot: { snapshotId: v.source.snapshotId } };
    if (v.source?.volumeId) out.contentSource = { volume: { volumeId: v.source.volumeId } };
    return out;
  }

  /**
   * Copies a volume's image. A staged filesystem is frozen for the copy (fsfreeze flushes it and holds
   * writers), so the copy is a consistent filesystem rather than one caught mid-write.
   */
  private async copyImage(volumeId: string, image: string, dest: string) {
    const staged = await this.ctx.store.getStaged(volumeId);
    if (staged?.mode !== 'Filesystem') return copy(image, dest);
    await run('fsfreeze', ['--freeze', staged.stagingTargetPath]);
    try {
      await copy(image, dest);
    } finally {
      await run('fsfreeze', ['--unfreeze', staged.stagingTargetPath]).catch((e) => this.ctx.log.error('could not unfreeze a volume after copying it', { volumeId, err: e }));
    }
  }

  async deleteVolume(req: { volumeId: string }): Promise<void> {
    await this.ctx.ready();
    const id = checkId('volume id', req?.volumeId);
    await this.ctx.locks.with(id, () =>
      this.ctx.locks.with(CONTROLLER_LOCK, async () => {
        if (!(await this.ctx.store.getVolume(id))) return; // already gone: success, as CSI asks
        const image = this.ctx.store.volumeImage(id);
        if ((await this.ctx.store.getStaged(id)) || (await loopDevicesOf(image)).length > 0) {
          throw new CsiError(GrpcCode.FAILED_PRECONDITION, `volume ${id} is staged on node ${this.ctx.nodeName}; unstage it first`);
        }
        await this.ctx.store.removeVolume(id);
        this.ctx.log.info('deleted volume', { volumeId: id });
      }),
    );
  }

  async controllerPublishVolume(): Promise<{ publishContext?: Record<string, string> }> {
    throw new CsiError(GrpcCode.UNIMPLEMENTED, 'local.csi.gifee.dev does not attach volumes (no PUBLISH_UNPUBLISH_VOLUME)');
  }

  async controllerUnpublishVolume(): Promise<void> {
    throw new CsiError(GrpcCode.UNIMPLEMENTED, 'local.csi.gifee.dev does not attach volumes (no PUBLISH_UNPUBLISH_VOLUME)');
  }

  async getCapacity(req: { accessibleTopology?: Topology } = {}) {
    await this.ctx.ready();
    if (req?.accessibleTopology && !admits([req.accessibleTopology], this.ctx.nodeName)) return { availableCapacity: 0 };
    const free = await this.ctx.store.freeBytes();
    const available = Math.floor(free / MiB) * MiB;
    return { availableCapacity: available, maximumVolumeSize: available, minimumVolumeSize: MIN_VOLUME_BYTES };
  }

  async controllerExpandVolume(req: { volumeId: string; capacityRange: CapacityRange }) {
    await this.ctx.ready();
    const id = checkId('volume id', req?.volumeId);
    if (!req.capacityRange?.requiredBytes && !req.capacityRange?.limitBytes) throw new CsiError(GrpcCode.INVALID_ARGUMENT, 'capacity range is required');
    return this.ctx.locks.with(id, () =>
      this.ctx.locks.with(CONTROLLER_LOCK, async () => {
        const v = await this.ctx.store.getVolume(id);
        if (!v) throw new CsiError(GrpcCode.NOT_FOUND, `volume ${id} does not exist`);
        const size = sizeFor(req.capacityRange);
        const nodeExpansionRequired = v.mode === 'Filesystem';
        if (size <= v.capacityBytes) return { capacityBytes: v.capacityBytes, nodeExpansionRequired }; // never shrinks
        const free = await this.ctx.store.freeBytes();
        if (size - v.capacityBytes > free) throw new CsiError(GrpcCode.RESOURCE_EXHAUSTED, `growing volume ${id} to ${size} bytes does not fit: ${free} bytes free`);
        const image = this.ctx.store.volumeImage(id);
        await truncate(image, size);
        // A raw block volume needs nothing from the node but its device taking the new size, done here.
        if (v.mode === 'Block') for (const dev of await loopDevicesOf(image)) await refreshLoopSize(dev);
        await this.ctx.store.putVolume({ ...v, capacityBytes: size });
        this.ctx.log.info('expanded volume', { volumeId: id, from: v.capacityBytes, to: size });
        return { capacityBytes: size, nodeExpansionRequired };
      }),
    );
  }

  async createSnapshot(req: { sourceVolumeId: string; name: string }): Promise<{ snapshot: Snapshot }> {
    await this.ctx.ready();
    const name = checkId('snapshot name', req?.name);
    const sourceId = checkId('source volume id', req.sourceVolumeId);
    return this.ctx.locks.with(sourceId, () =>
      this.ctx.locks.with(CONTROLLER_LOCK, async () => {
        const existing = await this.ctx.store.getSnapshot(name);
        if (existing) {
          if (existing.sourceVolumeId !== sourceId) throw new CsiError(GrpcCode.ALREADY_EXISTS, `snapshot ${name} exists for volume ${existing.sourceVolumeId}`);
          return { snapshot: snapshotOf(existing) };
        }
        const v = await this.ctx.store.getVolume(sourceId);
        if (!v) throw new CsiError(GrpcCode.NOT_FOUND, `volume ${sourceId} does not exist`);
        const free = await this.ctx.store.freeBytes();
        if (v.capacityBytes > free) throw new CsiError(GrpcCode.RESOURCE_EXHAUSTED, `a snapshot of volume ${sourceId} may need ${v.capacityBytes} bytes: ${free} bytes free`);
        const image = this.ctx.store.snapshotImage(name);
        const tmp = this.ctx.store.tmpImage(image);
        try {
          await this.copyImage(sourceId, this.ctx.store.volumeImage(sourceId), tmp);
          await rename(tmp, image);
        } catch (e) {
          await rm(tmp, { force: true });
          throw e;
        }
        const now = Date.now();
        const record: SnapshotRecord = { snapshotId: name, name, sourceVolumeId: sourceId, sizeBytes: v.capacityBytes, mode: v.mode, fsType: v.fsType, creationTime: { seconds: Math.floor(now / 1000), nanos: (now % 1000) * 1e6 } };
        await this.ctx.store.putSnapshot(record);
        this.ctx.log.info('created snapshot', { snapshotId: name, sourceVolumeId: sourceId, bytes: v.capacityBytes });
        return { snapshot: snapshotOf(record) };
      }),
    );
  }

  async deleteSnapshot(req: { snapshotId: string }): Promise<void> {
    await this.ctx.ready();
    const id = checkId('snapshot id', req?.snapshotId);
    await this.ctx.locks.with(CONTROLLER_LOCK, () => this.ctx.store.removeSnapshot(id));
  }
}

const snapshotOf = (s: SnapshotRecord): Snapshot => ({ snapshotId: s.snapshotId, sourceVolumeId: s.sourceVolumeId, sizeBytes: s.sizeBytes, creationTime: s.creationTime, readyToUse: true });

/** A copy that shares blocks where the filesystem can (reflink) and keeps holes where it cannot. */
const copy = (from: string, to: string) => run('cp', ['--reflink=auto', '--sparse=always', from, to], { timeoutMs: COPY_TIMEOUT_MS });
