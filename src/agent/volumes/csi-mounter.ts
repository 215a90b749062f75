// The kubelet's csi volume plugin and the part of its volume manager that keeps CSI volumes right on
// one node: for each pod volume backed by a PV with a csi source it waits for the attachment (when
// the driver needs one), stages the volume once per node (NodeStageVolume, reference-counted over the
// node's pods), publishes it into the pod (NodePublishVolume) and records vol_data.json beside it;
// on teardown it unpublishes and, when the last pod of the node lets go, unstages. Inline ephemeral
// csi volumes are only published. The reference counts are rebuilt from the vol_data.json files on
// disk after an agent restart, so running pods keep their volumes and the last one to go still
// unstages. Pods the API forgot are torn down the same way; a driver that stays away past a grace
// period gets its mounts lazily unmounted.

import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { volumeAttachmentName } from '../../csi/attachment-name.js';
import { blockStagingPath, podBlockPath, podMountPath, podVolumeDataFile, stagingPath, type PodVolumeData } from '../../csi/paths.js';
import { CsiError, GrpcCode, type CsiRegistry, type NodeCapabilityName, type NodeService } from '../../csi/types.js';
import type { Logger } from '../../util/log.js';
import type { Pod, Volume } from '../pods/types.js';
import { mountsUnder, unmount } from '../runtime/host.js';
import { blockDeviceAt, type BlockDevice } from './block-device.js';
import type { PersistentVolumeObject, SecretRef, VolumeMode } from './claims.js';
import { type CsiDriverObject, fsGroupApplies, fsGroupPolicyOf, podInfoContext, type VolumeAttachmentObject, volumeCapability } from './csi-request.js';
import { applyFsGroup } from './fs-group.js';
import { publishedVolumes } from './published.js';
import { VolumeError } from './volume-error.js';
import { ifMissing, ignoreError } from '../../util/best-effort.js';

/** What the mounter reads from the API. */
export interface CsiApi {
  /** The CSIDriver object of a driver, undefined when there is none (Kubernetes' defaults apply). */
  csiDriver(name: string): Promise<CsiDriverObject | undefined>;
  volumeAttachment(name: string): Promise<VolumeAttachmentObject | undefined>;
  /** A Secret's data (base64 values), undefined when not found. */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** A token for the pod's service account bound to the pod (TokenRequest), for drivers with tokenRequests. */
  serviceAccountToken?(namespace: string, serviceAccount: string, req: { audience?: string; expirationSeconds: number; pod: { name: string; uid: string } }): Promise<{ token: string; expirationTimestamp: string }>;
}

/** How often a requiresRepublish driver gets NodePublishVolume again (the kubelet does it on each pod sync). */
export const REPUBLISH_MS = 60_000;

export interface CsiVolumeManagerOptions {
  registry: CsiRegistry;
  /**
   * The base of the CSI paths (src/csi/paths.ts): the agent's directory, or --kubelet-dir. Staging
   * paths and the pods' CSI targets (pods/<uid>/volumes/kubernetes.io~csi/...) are under it, where a
   * third-party driver's pod sees them.
   */
  agentDir: string;
  nodeName: string;
  api: CsiApi;
  log: Logger;
  /** How long one set-up waits for the VolumeAttachment to be attached before the pod is told (it retries). */
  attachWaitMs?: number;
  attachPollMs?: number;
  /** How long after start a deleted pod's volumes wait for their driver to register before they are lazily unmounted without it. */
  orphanDriverGraceMs?: number;
}

export interface CsiPublishRequest {
  pod: Pod;
  specVolumeName: string;
  claimName?: string;
  pvName: string;
  pv: PersistentVolumeObject;
  mode: VolumeMode;
  /** The pod asks for it read-only (persistentVolumeClaim.readOnly). */
  readOnly: boolean;
}

export interface CsiPublished {
  /** The published target: a directory (Filesystem) or a device node (Block). */
  path: string;
  readOnly: boolean;
  device?: BlockDevice;
  /** The driver wants NodePublishVolume again by then (requiresRepublish: fresh service account tokens). */
  republishAt?: number;
}

interface StageState {
  /** Uids of the node's pods that use the staged volume. */
  refs: Set<string>;
  staged: boolean;
}

const MAX_VOLUME_DATA_BYTES = 64 * 1024;
/** Names that become path components: the API validates them, and the node checks again before joining paths with them. */
const DRIVER_NAME = /^[a-zA-Z0-9][-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9]$/;
const PV_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CSI_DIR = 'kubernetes.io~csi';

/** A gRPC status as Go's grpc prints it ("rpc error: code = NotFound desc = ..."), as the kubelet's events show driver errors. */
export function rpcErrorText(e: unknown): string {
  if (e instanceof CsiError) {
    const name = (GrpcCode[e.code] ?? 'Unknown')
      .toLowerCase()
      .split('_')
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join('');
    return `rpc error: code = ${name} desc = ${e.message}`;
  }
  return (e as Error)?.message ?? String(e);
}

const notFoundIsDone = (e: unknown) => {
  if (e instanceof CsiError && e.code === GrpcCode.NOT_FOUND) return;
  throw e;
};

async function isMountPoint(path: string): Promise<boolean> {
  return (await mountsUnder(path)).includes(path);
}

export class CsiVolumeManager {
  private stages = new Map<string, StageState>();
  private locks = new Map<string, Promise<unknown>>();
  private caps = new WeakMap<NodeService, Promise<Set<NodeCapabilityName>>>();
  private readonly startedAt = Date.now();

  constructor(private o: CsiVolumeManagerOptions) {}

  /** A pod's directory for CSI targets and vol_data.json (the worker's own pod directory unless --kubelet-dir moves it). */
  podDir(podUid: string): string {
    // One path component, never a way out of pods/ (uids are the API's UUIDs or names found there).
    if (!podUid || podUid === '.' || podUid === '..' || /[/\0]/.test(podUid)) throw new VolumeError(`invalid pod uid "${podUid}"`);
    return join(this.o.agentDir, 'pods', podUid);
  }

  /** How many of the node's pods hold the volume staged at stagingPath (for tests and stats). */
  refCount(staging: string): number {
    return this.stages.get(staging)?.refs.size ?? 0;
  }

  /** Attach wait, stage (once per node), publish, vol_data.json, fsGroup: the volume ready for the pod's containers. */
  async publish(req: CsiPublishRequest): Promise<CsiPublished> {
    const src = req.pv.spec?.csi;
    if (!src?.driver || !src.volumeHandle) throw new VolumeError(`persistentvolume "${req.pvName}" has no csi driver or volumeHandle`);
    if (!DRIVER_NAME.test(src.driver) || !PV_NAME.test(req.pvName) || req.pvName.length > 253) throw new VolumeError(`persistentvolume "${req.pvName}": invalid volume or CSI driver name`);
    const { pvName, mode } = req;
    const block = mode === 'Block';
    const node = this.o.registry.get(src.driver)?.node;
    if (!node) {
      const step = block ? 'MapVolume.SetUpDevice' : 'MountVolume.MountDevice';
      const where = block ? 'blockMapper.SetUpDevice failed to get CSI client' : 'attacher.MountDevice failed to create newCsiDriverClient';
      const why = `driver name ${src.driver} not found in the list of registered CSI drivers`;
      throw new VolumeError(why, `${step} failed for volume "${pvName}" : kubernetes.io/csi: ${where}: ${why}`);
    }
    const driverObj = await this.o.api.csiDriver(src.driver);
    const publishContext = (driverObj?.spec?.attachRequired ?? true) ? await this.waitForAttachment(pvName, src.volumeHandle, src.driver) : undefined;
    const caps = await this.nodeCapabilities(node, pvName);
    const readOnly = req.readOnly || !!src.readOnly;
    const fsGroup = req.pod.spec.securityContext?.fsGroup;
    const fsGroupWanted = !block && fsGroupApplies({ fsGroup, policy: fsGroupPolicyOf(driverObj), readOnly, fsType: src.fsType, accessModes: req.pv.spec?.accessModes });
    // A driver that can mount with a group does it itself (VOLUME_MOUNT_GROUP): no walk here.
    const mountGroup = fsGroupWanted && caps.has('VOLUME_MOUNT_GROUP') ? String(fsGroup) : undefined;
    const capability = volumeCapability(req.pv, mode, caps, mountGroup);
    const staging = caps.has('STAGE_UNSTAGE_VOLUME') ? (block ? blockStagingPath : stagingPath)(this.o.agentDir, src.driver, src.volumeHandle) : undefined;
    const uid = req.pod.metadata.uid;
    const podDir = this.podDir(uid);
    const target = block ? podBlockPath(podDir, pvName) : podMountPath(podDir, pvName);
    // Recorded before anything is mounted: whatever happens next, teardown and orphan cleanup know what to undo.
    const data: PodVolumeData = {
      driverName: src.driver,
      volumeHandle: src.volumeHandle,
      pvName,
      specVolumeName: req.specVolumeName,
      namespace: req.pod.metadata.namespace,
      ...(req.claimName ? { claimName: req.claimName } : {}),
      volumeMode: mode,
      ...(staging ? { stagingPath: staging } : {}),
      targetPath: target,
    };
    await mkdir(dirname(podVolumeDataFile(podDir, pvName)), { recursive: true, mode: 0o750 });
    await writeFile(podVolumeDataFile(podDir, pvName), JSON.stringify(data));
    const device = await this.withLock(staging ?? target, async () => {
      if (staging) {
        const st = this.stageState(staging);
        st.refs.add(uid);
        if (!st.staged) {
          const secrets = await this.secrets(src.nodeStageSecretRef, 'NodeStageSecretRef');
          await mkdir(staging, { recursive: true, mode: 0o750 });
          await node.nodeStageVolume({ volumeId: src.volumeHandle, publishContext, stagingTargetPath: staging, volumeCapability: capability, secrets, volumeContext: src.volumeAttributes }).catch((e) => {
            throw new VolumeError(rpcErrorText(e), `${block ? 'MapVolume.SetUpDevice' : 'MountVolume.MountDevice'} failed for volume "${pvName}" : ${rpcErrorText(e)}`);
          });
          st.staged = true;
          this.o.log.info('CSI volume staged', { driver: src.driver, pv: pvName, stagingPath: staging });
        }
      }
      const secrets = await this.secrets(src.nodePublishSecretRef, 'NodePublishSecretRef');
      const volumeContext = { ...(src.volumeAttributes ?? {}), ...(driverObj?.spec?.podInfoOnMount ? podInfoContext(req.pod) : {}), ...(await this.tokens(req.pod, driverObj, pvName)) };
      // The driver creates the target itself (CSI: the CO makes its parent directory).
      await mkdir(dirname(target), { recursive: true, mode: 0o750 });
      await node.nodePublishVolume({ volumeId: src.volumeHandle, publishContext, stagingTargetPath: staging, targetPath: target, volumeCapability: capability, readonly: readOnly, secrets, volumeContext }).catch((e) => {
        throw new VolumeError(rpcErrorText(e), `${block ? 'MapVolume.MapPodDevice' : 'MountVolume.SetUp'} failed for volume "${pvName}" : ${rpcErrorText(e)}`);
      });
      if (!block) return undefined;
      const dev = await blockDeviceAt(target);
      if (!dev) throw new VolumeError(`${target} is not a block device`, `MapVolume.MapPodDevice failed for volume "${pvName}" : the driver published no block device at ${target}`);
      return dev;
    });
    if (fsGroupWanted && !mountGroup) {
      const r = await applyFsGroup(target, fsGroup!, readOnly, req.pod.spec.securityContext?.fsGroupChangePolicy ?? 'Always');
      if (r.truncated) this.o.log.warn('fsGroup ownership change stopped at its entry limit: part of the volume keeps its old group', { pv: pvName, entries: r.entries });
    }
    return { path: target, readOnly, ...(device ? { device } : {}), ...(driverObj?.spec?.requiresRepublish ? { republishAt: Date.now() + REPUBLISH_MS } : {}) };
  }

  /**
   * An inline ephemeral CSI volume (pod.spec.volumes[].csi), as the kubelet mounts one: only for a
   * driver whose CSIDriver lists the Ephemeral lifecycle mode, no attach and no staging, the volume
   * handle csi-<sha256(pod uid + volume name)>, published at the pod's target for the volume name.
   */
  async publishInline(pod: Pod, v: Volume): Promise<CsiPublished> {
    const podDir = this.podDir(pod.metadata.uid);
    const src = v.csi!;
    const name = v.name;
    if (!DRIVER_NAME.test(src.driver ?? '') || !PV_NAME.test(name)) throw new VolumeError(`volume "${name}": invalid volume or CSI driver name`);
    const node = this.o.registry.get(src.driver)?.node;
    const why = `driver name ${src.driver} not found in the list of registered CSI drivers`;
    if (!node) throw new VolumeError(why, `MountVolume.SetUp failed for volume "${name}" : kubernetes.io/csi: mounter.SetUpAt failed to get CSI client: ${why}`);
    const driverObj = await this.o.api.csiDriver(src.driver);
    const modes = driverObj?.spec?.volumeLifecycleModes ?? ['Persistent'];
    if (!modes.includes('Ephemeral')) {
      const msg = `volume mode "Ephemeral" not supported by driver ${src.driver} (${driverObj ? `only supports ${JSON.stringify(modes)}` : 'no CSIDriver object'})`;
      throw new VolumeError(msg, `MountVolume.SetUp failed for volume "${name}" : kubernetes.io/csi: mounter.SetUpAt failed to check volume lifecycle mode: ${msg}`);
    }
    const caps = await this.nodeCapabilities(node, name);
    const readOnly = !!src.readOnly;
    const fsGroup = pod.spec.securityContext?.fsGroup;
    // Inline volumes count as ReadWriteOnce for the fsGroup policy, as in the kubelet.
    const fsGroupWanted = fsGroupApplies({ fsGroup, policy: fsGroupPolicyOf(driverObj), readOnly, fsType: src.fsType, accessModes: ['ReadWriteOnce'] });
    const mountGroup = fsGroupWanted && caps.has('VOLUME_MOUNT_GROUP') ? String(fsGroup) : undefined;
    const pvLike: PersistentVolumeObject = { spec: { accessModes: ['ReadWriteOnce'], csi: { driver: src.driver, volumeHandle: '', fsType: src.fsType } } };
    const capability = volumeCapability(pvLike, 'Filesystem', caps, mountGroup);
    const volumeHandle = `csi-${createHash('sha256').update(`${pod.metadata.uid}${name}`).digest('hex')}`;
    const target = podMountPath(podDir, name);
    const data: PodVolumeData = { driverName: src.driver, volumeHandle, pvName: name, specVolumeName: name, namespace: pod.metadata.namespace, volumeMode: 'Filesystem', targetPath: target };
    await mkdir(dirname(podVolumeDataFile(podDir, name)), { recursive: true, mode: 0o750 });
    await writeFile(podVolumeDataFile(podDir, name), JSON.stringify(data));
    await this.withLock(target, async () => {
      const secrets = await this.secrets(src.nodePublishSecretRef?.name ? { name: src.nodePublishSecretRef.name, namespace: pod.metadata.namespace } : undefined, 'NodePublishSecretRef');
      const volumeContext = { ...(src.volumeAttributes ?? {}), ...(driverObj?.spec?.podInfoOnMount ? podInfoContext(pod, true) : {}), ...(await this.tokens(pod, driverObj, name)) };
      await mkdir(dirname(target), { recursive: true, mode: 0o750 });
      await node.nodePublishVolume({ volumeId: volumeHandle, targetPath: target, volumeCapability: capability, readonly: readOnly, secrets, volumeContext }).catch((e) => {
        throw new VolumeError(rpcErrorText(e), `MountVolume.SetUp failed for volume "${name}" : ${rpcErrorText(e)}`);
      });
    });
    if (fsGroupWanted && !mountGroup) await applyFsGroup(target, fsGroup!, readOnly, pod.spec.securityContext?.fsGroupChangePolicy ?? 'Always');
    return { path: target, readOnly, ...(driverObj?.spec?.requiresRepublish ? { republishAt: Date.now() + REPUBLISH_MS } : {}) };
  }

  /**
   * Unpublishes every CSI volume of a pod (and unstages those no other pod of the node uses), then
   * removes their directories. Throws, leaving what it could not undo in place, when a driver is
   * missing or fails: the pod's directory must then stay. orphan: the pod is gone from the API, and
   * a driver still absent after the grace period will not come back for it.
   */
  async unpublishPod(podUid: string, opts: { orphan?: boolean } = {}): Promise<void> {
    const podDir = this.podDir(podUid);
    const root = join(podDir, 'volumes', CSI_DIR);
    const names = await readdir(root).catch(() => [] as string[]);
    const failures: string[] = [];
    for (const name of names) {
      const data = await readVolumeData(podDir, name);
      try {
        if (data) await this.unpublishOne(podDir, data, !!opts.orphan);
        await this.removeIfUnmounted(join(root, name));
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    if (failures.length) throw new Error(failures.join('; '));
    // What is left of the pod's CSI directories, only if empty (rmdir never removes content): the
    // worker's own pod directory may be this one, with other volumes in it.
    for (const d of [root, join(podDir, 'volumeDevices', CSI_DIR), join(podDir, 'volumeDevices'), join(podDir, 'volumes'), podDir]) await rmdir(d).catch(ignoreError('only an empty directory goes: one still holding another volume stays'));
  }

  /** The reference counts from the vol_data.json files of every pod directory on the node (an agent restart). */
  async rebuild(): Promise<void> {
    const podsDir = join(this.o.agentDir, 'pods');
    for (const uid of await readdir(podsDir).catch(() => [] as string[])) {
      for (const v of await publishedVolumes(uid, join(podsDir, uid))) {
        const staging = this.checkedStaging(v.data);
        if (staging) this.stageState(staging).refs.add(uid);
      }
    }
    // Staged if still mounted there (as the kubelet reconstructs from mounts); otherwise the next
    // pod stages again, which CSI makes idempotent.
    for (const [staging, st] of this.stages) st.staged = await isMountPoint(staging);
    if (this.stages.size) this.o.log.info('CSI volume references rebuilt from the pods on disk', { volumes: this.stages.size, refs: [...this.stages.values()].reduce((n, s) => n + s.refs.size, 0) });
  }

  private async unpublishOne(podDir: string, data: PodVolumeData, orphan: boolean) {
    const uid = basename(podDir);
    const block = data.volumeMode === 'Block';
    // Paths are recomputed, never taken from the file: it names what to unmount.
    const target = block ? podBlockPath(podDir, data.pvName) : podMountPath(podDir, data.pvName);
    const staging = this.checkedStaging(data);
    await this.withLock(staging ?? target, async () => {
      const node = this.o.registry.get(data.driverName)?.node;
      if (!node) {
        const why = `driver name ${data.driverName} not found in the list of registered CSI drivers`;
        if (!orphan || Date.now() - this.startedAt < (this.o.orphanDriverGraceMs ?? 120_000)) throw new Error(`UnmountVolume.TearDown failed for volume "${data.pvName}" : kubernetes.io/csi: mounter.TearDownAt failed to get CSI client: ${why}`);
        this.o.log.warn(`CSI driver ${data.driverName} is not registered: lazily unmounting volume ${data.pvName} of a deleted pod without it. The driver's own state for the volume (staging, attachment, backing storage) is left as it is; clean it up when the driver returns or by hand.`, {
          pod: uid,
          pv: data.pvName,
          target,
          stagingPath: staging,
        });
        await unmount(target);
        const st = staging ? this.stages.get(staging) : undefined;
        st?.refs.delete(uid);
        if (staging && !st?.refs.size) {
          await unmount(staging);
          this.stages.delete(staging);
        }
        return;
      }
      await node.nodeUnpublishVolume({ volumeId: data.volumeHandle, targetPath: target }).catch(notFoundIsDone);
      // Never go on (and later delete directories) through a mount the driver left behind.
      if ((await mountsUnder(target)).length) throw new Error(`UnmountVolume.TearDown failed for volume "${data.pvName}" : ${target} is still mounted after NodeUnpublishVolume`);
      if (!staging) return;
      const st = this.stageState(staging);
      st.refs.delete(uid);
      if (st.refs.size) return;
      await node.nodeUnstageVolume({ volumeId: data.volumeHandle, stagingTargetPath: staging }).catch((e) => {
        throw new Error(`UnmountDevice failed for volume "${data.pvName}" : ${rpcErrorText(e)}`);
      });
      if ((await mountsUnder(staging)).length) throw new Error(`UnmountDevice failed for volume "${data.pvName}" : ${staging} is still mounted after NodeUnstageVolume`);
      this.stages.delete(staging);
      this.o.log.info('CSI volume unstaged', { driver: data.driverName, pv: data.pvName, stagingPath: staging });
      // The staging directory and its per-volume parent, only if empty (rmdir never removes content).
      await rmdir(staging).catch(ignoreError('only an empty directory goes'));
      await rmdir(dirname(staging)).catch(ignoreError('only an empty directory goes'));
    });
    if (block) await this.removeIfUnmounted(target);
  }

  /** Removes path (a pod's volume directory or device file) unless something is still mounted under it. */
  private async removeIfUnmounted(path: string) {
    const left = await mountsUnder(path);
    if (left.length) throw new Error(`${path} still has mounts (${left.join(', ')}): kept`);
    await rm(path, { recursive: true, force: true });
  }

  /** The staging path a vol_data.json names, if it is the one this node would use for its volume. */
  private checkedStaging(data: PodVolumeData): string | undefined {
    if (!data.stagingPath) return undefined;
    const expected = (data.volumeMode === 'Block' ? blockStagingPath : stagingPath)(this.o.agentDir, data.driverName, data.volumeHandle);
    if (data.stagingPath !== expected) {
      this.o.log.warn('vol_data.json names an unexpected staging path: ignored', { pv: data.pvName, stagingPath: data.stagingPath, expected });
      return undefined;
    }
    return expected;
  }

  private stageState(staging: string): StageState {
    let st = this.stages.get(staging);
    if (!st) this.stages.set(staging, (st = { refs: new Set(), staged: false }));
    return st;
  }

  /** Runs fn after every earlier operation on the same key: stage/publish/unpublish/unstage of one volume never interleave. */
  private withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, tail);
    void tail.then(() => {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    });
    return run;
  }

  private nodeCapabilities(node: NodeService, pvName: string): Promise<Set<NodeCapabilityName>> {
    let p = this.caps.get(node);
    if (!p) {
      p = node.nodeGetCapabilities().then((r) => new Set((r.capabilities ?? []).map((c) => c.rpc?.type).filter((t): t is NodeCapabilityName => !!t)));
      this.caps.set(node, p);
      // A failed answer is asked again next time.
      p.catch(() => this.caps.delete(node));
    }
    return p.catch((e) => {
      throw new VolumeError(rpcErrorText(e), `MountVolume.MountDevice failed for volume "${pvName}" : ${rpcErrorText(e)}`);
    });
  }

  /** The kubelet's WaitForAttach: the VolumeAttachment of (volume, driver, node) must say attached; its metadata is the publish context. */
  private async waitForAttachment(pvName: string, volumeHandle: string, driver: string): Promise<Record<string, string> | undefined> {
    const name = volumeAttachmentName(volumeHandle, driver, this.o.nodeName);
    const deadline = Date.now() + (this.o.attachWaitMs ?? 5000);
    const fail = (why: string) => new VolumeError(why, `MountVolume.WaitForAttach failed for volume "${pvName}" : ${why}`);
    for (;;) {
      const va = await this.o.api.volumeAttachment(name);
      if (va?.metadata?.deletionTimestamp) throw fail('volume attachment is being deleted');
      if (va?.status?.attached) return va.status.attachmentMetadata;
      if (va?.status?.attachError?.message) throw fail(va.status.attachError.message);
      if (Date.now() >= deadline) throw fail(`timed out waiting for external-attacher of ${driver} CSI driver to attach volume ${volumeHandle}`);
      await new Promise((r) => setTimeout(r, this.o.attachPollMs ?? 500));
    }
  }

  /**
   * The service account tokens a driver asks for (CSIDriver tokenRequests), bound to the pod, as the
   * kubelet passes them: csi.storage.k8s.io/serviceAccount.tokens, JSON {audience: {token, expirationTimestamp}}.
   */
  private async tokens(pod: Pod, driverObj: CsiDriverObject | undefined, volume: string): Promise<Record<string, string>> {
    const reqs = (driverObj?.spec?.tokenRequests ?? []).slice(0, 16);
    if (!reqs.length) return {};
    const out: Record<string, { token: string; expirationTimestamp: string }> = {};
    for (const r of reqs) {
      const audience = r.audience ?? '';
      if (!this.o.api.serviceAccountToken) throw new VolumeError('service account tokens cannot be requested on this node');
      out[audience] = await this.o.api.serviceAccountToken(pod.metadata.namespace, pod.spec.serviceAccountName || 'default', { audience: audience || undefined, expirationSeconds: r.expirationSeconds ?? 3600, pod: { name: pod.metadata.name, uid: pod.metadata.uid } }).catch((e: Error) => {
        throw new VolumeError(`failed to fetch token: ${e.message}`, `MountVolume.SetUp failed for volume "${volume}" : kubernetes.io/csi: mounter.SetUpAt failed to get service accoount token attributes: failed to fetch token: ${e.message}`);
      });
    }
    return { 'csi.storage.k8s.io/serviceAccount.tokens': JSON.stringify(out) };
  }

  /** A secret a PV names for a CSI call, decoded; kubelet's wording when it cannot be had. */
  private async secrets(ref: SecretRef | undefined, field: string): Promise<Record<string, string> | undefined> {
    if (!ref?.name) return undefined;
    const ns = ref.namespace ?? '';
    const data = await this.o.api.secret(ns, ref.name).catch((e: Error) => {
      throw new VolumeError(`fetching ${field} ${ns}/${ref.name} failed: ${e.message}`);
    });
    if (!data) throw new VolumeError(`fetching ${field} ${ns}/${ref.name} failed: secrets "${ref.name}" not found`);
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  }
}

/** A pod volume's vol_data.json, or undefined when it is missing, too big or not of the expected shape. */
export async function readVolumeData(podDir: string, pvName: string): Promise<PodVolumeData | undefined> {
  const text = await readFile(podVolumeDataFile(podDir, pvName), 'utf8').catch(ifMissing);
  if (text === undefined || text.length > MAX_VOLUME_DATA_BYTES) return undefined;
  try {
    const d = JSON.parse(text) as PodVolumeData;
    const ok =
      typeof d === 'object' &&
      d !== null &&
      typeof d.driverName === 'string' &&
      DRIVER_NAME.test(d.driverName) &&
      typeof d.volumeHandle === 'string' &&
      d.pvName === pvName &&
      PV_NAME.test(pvName) &&
      (d.volumeMode === 'Filesystem' || d.volumeMode === 'Block') &&
      (d.stagingPath === undefined || typeof d.stagingPath === 'string');
    return ok ? d : undefined;
  } catch {
    return undefined;
  }
}
