// The node-side external-provisioner's deleter: a PV this agent provisioned (provisioned-by a
// driver served here, provisioned-on-node this node) whose claim is gone and whose reclaim policy
// is Delete gets DeleteVolume, then the PV object goes (its finalizer removed). A PV deleted with
// reclaim policy Retain only loses the finalizer: the volume and its data stay.

import type { Pv, VolumeAttachment } from '../api/storage/types.js';
import type { KObject } from '../api/kind.js';
import type { InformerLike } from '../client/informer.js';
import { R } from '../client/resources.js';
import { isConflict, isNotFound } from '../client/rest.js';
import { Controller, ownKey } from '../controllers/controller.js';
import { ANN_PROVISIONED_BY, ANN_PROVISIONED_ON_NODE, FINALIZER_PROVISIONER } from '../api/storage-names.js';
import { type SidecarDeps, sidecarQueue } from './provisioner.js';
import { type PvSpec, SR } from './resources.js';
import { isCsiNotFound, rpcMessage } from './rpc-message.js';

export class DeleterController extends Controller {
  // A driver that refuses is asked again after 250 ms, doubling to 5 minutes (the sidecars' own back-off).
  override readonly queue = sidecarQueue();
  private volumes: InformerLike;
  private claims: InformerLike;
  private attachments: InformerLike;

  constructor(private d: SidecarDeps) {
    super('csi-deleter', d.log, d.factory, 2);
    this.volumes = this.informers.informer(R.persistentvolumes);
    this.claims = this.informers.informer(R.persistentvolumeclaims);
    this.attachments = this.informers.informer(SR.volumeattachments);
    this.watch(this.volumes, (old, o) => (this.mine(o ?? old!) ? ownKey(old, o) : undefined));
    // A claim that goes frees its volume (the PV may have been marked Released before the claim was gone).
    this.watch(this.claims, (old, o) => {
      if (o) return undefined;
      const c = old!;
      return this.volumes
        .list()
        .filter((pv) => this.mine(pv) && (pv.spec as PvSpec | undefined)?.claimRef?.uid === c.metadata?.uid)
        .map((pv) => pv.metadata!.name!);
    });
  }

  resync() {
    for (const pv of this.volumes.list()) if (this.mine(pv)) this.enqueue(pv.metadata!.name!);
  }

  private mine(pv: KObject): boolean {
    const a = pv.metadata?.annotations ?? {};
    return !!a[ANN_PROVISIONED_BY] && a[ANN_PROVISIONED_ON_NODE] === this.d.nodeName;
  }

  protected async reconcile(key: string) {
    const pv = this.volumes.get(key);
    if (!pv || !this.mine(pv)) return;
    const served = await this.d.drivers.get(pv.metadata!.annotations![ANN_PROVISIONED_BY]);
    if (!served) return;
    const spec = (pv.spec ?? {}) as PvSpec;
    const phase = (pv as Pv).status?.phase;
    const deleting = !!pv.metadata?.deletionTimestamp;
    const hasFinalizer = pv.metadata?.finalizers?.includes(FINALIZER_PROVISIONER) ?? false;
    if (spec.persistentVolumeReclaimPolicy !== 'Delete') {
      if (deleting && hasFinalizer) await this.removeFinalizer(pv);
      return;
    }
    // Released: the PV controller saw the claim go. A PV deleted while its claim is gone counts too.
    if (!(phase === 'Released' || deleting) || this.claimStillUses(spec)) return;
    // Being deleted without our finalizer: this agent (or an earlier run of it) already deleted the volume.
    if (deleting && !hasFinalizer) return;
    // As external-provisioner: never delete a volume some node still has attached.
    const attached = this.attachments.list().find((va) => (va as VolumeAttachment).spec?.source?.persistentVolumeName === key);
    if (attached) throw new Error(`persistentvolume ${key} is still attached to node ${(attached as VolumeAttachment).spec!.nodeName}`);
    const handle = spec.csi?.volumeHandle;
    if (handle) {
      try {
        await served.controller.deleteVolume({ volumeId: handle });
      } catch (e) {
        if (!isCsiNotFound(e)) {
          this.d.recorder.record(pv, 'Warning', 'VolumeFailedDelete', rpcMessage(e));
          throw e;
        }
      }
      this.log.info('deleted a volume', { pv: key, handle });
    }
    // The finalizer first: a PV being deleted without it is known to have no volume behind it any more.
    await this.removeFinalizer(pv);
    try {
      await this.d.client.delete(R.persistentvolumes, undefined, key, { preconditions: { uid: pv.metadata!.uid } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }

  /** Whether the claim in claimRef still exists with that uid (then the volume is not free, whatever the phase says). */
  private claimStillUses(spec: PvSpec): boolean {
    const ref = spec.claimRef;
    if (!ref?.namespace || !ref.name) return false;
    const c = this.claims.get(`${ref.namespace}/${ref.name}`);
    return !!c && (!ref.uid || c.metadata?.uid === ref.uid);
  }

  private async removeFinalizer(pv: KObject) {
    const name = pv.metadata!.name!;
    for (let i = 0; i < 5; i++) {
      let cur: KObject;
      try {
        cur = await this.d.client.get(R.persistentvolumes, undefined, name);
      } catch (e) {
        if (isNotFound(e)) return;
        throw e;
      }
      if (cur.metadata?.uid !== pv.metadata?.uid || !cur.metadata?.finalizers?.includes(FINALIZER_PROVISIONER)) return;
      cur.metadata.finalizers = cur.metadata.finalizers.filter((f) => f !== FINALIZER_PROVISIONER);
      try {
        await this.d.client.update(R.persistentvolumes, cur);
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e)) throw e;
      }
    }
    throw new Error(`could not remove the finalizer of PV ${name}: kept conflicting`);
  }
}
