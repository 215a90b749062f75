// The node-side external-resizer: a bound claim handed to a driver served here
// (volume.kubernetes.io/storage-resizer) whose PV this agent provisioned and whose request exceeds
// the PV's capacity gets ControllerExpandVolume; the PV's capacity follows, and the claim either
// waits for the node to grow the filesystem (condition FileSystemResizePending; the agent where
// the volume is staged finishes it) or is done at once (status.capacity). While the driver works
// the claim carries the condition Resizing. Events as Kubernetes': Resizing, VolumeResizeFailed,
// FileSystemResizeRequired, VolumeResizeSuccessful.

import { rfc3339 } from '../util/time.js';
import type { InformerLike } from '../client/informer.js';
import { R } from '../client/resources.js';
import { isConflict, isNotFound } from '../client/rest.js';
import { Controller } from '../controllers/controller.js';
import { ANN_PROVISIONED_ON_NODE, ANN_STORAGE_RESIZER } from '../api/storage-names.js';
import { type SidecarDeps, sidecarQueue } from './provisioner.js';
import { pvCapability } from './provision-request.js';
import { bytesQuantity, quantityBytes } from './quantity.js';
import type { ClaimSpec, ClaimStatus, PvSpec } from './resources.js';
import { rpcMessage } from './rpc-message.js';

type Condition = NonNullable<ClaimStatus['conditions']>[number];

const RESIZING = 'Resizing';
const FS_RESIZE_PENDING = 'FileSystemResizePending';

export class ResizerController extends Controller {
  // A driver that refuses is asked again after 250 ms, doubling to 5 minutes (the sidecars' own back-off).
  override readonly queue = sidecarQueue();
  private claims: InformerLike;
  private volumes: InformerLike;

  constructor(private d: SidecarDeps) {
    super('csi-resizer', d.log, d.factory, 2);
    this.claims = this.informers.informer(R.persistentvolumeclaims);
    this.volumes = this.informers.informer(R.persistentvolumes);
    this.watch(this.claims, (old, o) => {
      const c = o ?? old!;
      return c.metadata?.annotations?.[ANN_STORAGE_RESIZER] ? `${c.metadata.namespace}/${c.metadata.name}` : undefined;
    });
  }

  resync() {
    for (const c of this.claims.list()) if (c.metadata?.annotations?.[ANN_STORAGE_RESIZER]) this.enqueue(`${c.metadata.namespace}/${c.metadata.name}`);
  }

  protected async reconcile(key: string) {
    const claim = this.claims.get(key);
    if (!claim || claim.metadata?.deletionTimestamp) return;
    const spec = (claim.spec ?? {}) as ClaimSpec;
    const status = (claim.status ?? {}) as ClaimStatus;
    if (status.phase !== 'Bound' || !spec.volumeName) return;
    const pv = this.volumes.get(spec.volumeName);
    if (!pv || pv.metadata?.annotations?.[ANN_PROVISIONED_ON_NODE] !== this.d.nodeName) return;
    const served = await this.d.drivers.get(claim.metadata?.annotations?.[ANN_STORAGE_RESIZER]);
    if (!served) return;
    const pvSpec = (pv.spec ?? {}) as PvSpec;
    if (pvSpec.csi?.driver !== served.name || !pvSpec.csi.volumeHandle) return;
    const requested = quantityBytes(spec.resources?.requests?.storage);
    const current = quantityBytes(pvSpec.capacity?.storage) ?? 0;
    // A Resizing condition left by an interrupted expansion is finished by asking again (ControllerExpandVolume is idempotent).
    const interrupted = (status.conditions ?? []).some((c) => c.type === RESIZING);
    if (requested === undefined || (requested <= current && !interrupted)) return;
    if (!served.rpcs.has('EXPAND_VOLUME')) {
      this.d.recorder.record(claim, 'Warning', 'VolumeResizeFailed', `resize volume "${pv.metadata!.name}" by resizer "${served.name}" failed: the driver does not support volume expansion (no EXPAND_VOLUME controller capability)`);
      return;
    }
    const pvName = pv.metadata!.name!;
    await this.setConditions(key, (cs) => [...cs.filter((c) => c.type !== RESIZING && c.type !== FS_RESIZE_PENDING), condition(RESIZING, 'Resizing', `External resizer is resizing volume ${pvName}`)]);
    this.d.recorder.record(claim, 'Normal', 'Resizing', `External resizer is resizing volume ${pvName}`);
    let result: { capacityBytes: number; nodeExpansionRequired: boolean };
    try {
      result = await served.controller.controllerExpandVolume({ volumeId: pvSpec.csi.volumeHandle, capacityRange: { requiredBytes: requested }, volumeCapability: pvCapability(pvSpec) });
    } catch (e) {
      this.d.recorder.record(claim, 'Warning', 'VolumeResizeFailed', `resize volume "${pvName}" by resizer "${served.name}" failed: ${rpcMessage(e)}`);
      throw e;
    }
    const newSize = bytesQuantity(result.capacityBytes > 0 ? Math.max(result.capacityBytes, requested) : requested);
    await this.setPvCapacity(pvName, pv.metadata!.uid!, newSize);
    if (result.nodeExpansionRequired) {
      await this.setConditions(key, (cs) => [...cs.filter((c) => c.type !== RESIZING && c.type !== FS_RESIZE_PENDING), condition(FS_RESIZE_PENDING, 'FileSystemResizePending', 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.')]);
      this.d.recorder.record(claim, 'Normal', 'FileSystemResizeRequired', 'Require file system resize of volume on node');
    } else {
      await this.setConditions(key, (cs) => cs.filter((c) => c.type !== RESIZING && c.type !== FS_RESIZE_PENDING), newSize);
      this.d.recorder.record(claim, 'Normal', 'VolumeResizeSuccessful', 'Resize volume succeeded');
    }
    this.log.info('expanded a volume', { claim: key, pv: pvName, size: newSize, nodeExpansionRequired: result.nodeExpansionRequired });
  }

  private async setPvCapacity(name: string, uid: string, size: string) {
    await this.retryConflicts(async () => {
      const pv = await this.d.client.get(R.persistentvolumes, undefined, name);
      if (pv.metadata?.uid !== uid) return;
      const spec = (pv.spec ?? {}) as PvSpec;
      if ((quantityBytes(spec.capacity?.storage) ?? 0) >= (quantityBytes(size) ?? 0)) return;
      spec.capacity = { ...(spec.capacity ?? {}), storage: size };
      pv.spec = spec;
      await this.d.client.update(R.persistentvolumes, pv);
    });
  }

  /** Rewrite the claim's conditions (and status.capacity when given) through the status subresource. */
  private async setConditions(key: string, f: (cs: Condition[]) => Condition[], capacity?: string) {
    const [ns, name] = key.split('/');
    await this.retryConflicts(async () => {
      const claim = await this.d.client.get(R.persistentvolumeclaims, ns, name);
      const status = (claim.status ??= {}) as ClaimStatus;
      const next = f(status.conditions ?? []);
      if (next.length) status.conditions = next;
      else delete status.conditions;
      if (capacity) status.capacity = { ...(status.capacity ?? {}), storage: capacity };
      await this.d.client.update(R.persistentvolumeclaims, claim, 'status');
    });
  }

  private async retryConflicts(f: () => Promise<void>) {
    for (let i = 0; ; i++) {
      try {
        return await f();
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e) || i >= 4) throw e;
      }
    }
  }
}

/** Kubernetes leaves reason empty on these conditions; gifee's condition schema requires one, so it repeats the type. */
function condition(type: string, reason: string, message: string): Condition {
  return { type, status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339(), reason, message };
}
