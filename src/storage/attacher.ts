// The node-side external-attacher: VolumeAttachments for this node whose attacher is a driver
// served here and whose CSIDriver does not say attachRequired: false get ControllerPublishVolume
// (status.attached, attachmentMetadata from the publish context, attachError on failure); a
// deleted one gets ControllerUnpublishVolume before its finalizer goes (detachError on failure).

import { rfc3339 } from '../util/time.js';
import type { KObject } from '../api/kind.js';
import type { InformerLike } from '../client/informer.js';
import { R } from '../client/resources.js';
import { isConflict, isNotFound } from '../client/rest.js';
import { Controller, ownKey } from '../controllers/controller.js';
import { type SidecarDeps, sidecarQueue } from './provisioner.js';
import { pvCapability } from './provision-request.js';
import { type PvSpec, SR } from './resources.js';
import { isCsiNotFound, rpcMessage } from './rpc-message.js';

interface VaSpec {
  attacher?: string;
  nodeName?: string;
  source?: { persistentVolumeName?: string; inlineVolumeSpec?: PvSpec };
}
interface VaStatus {
  attached?: boolean;
  attachmentMetadata?: Record<string, string>;
  attachError?: { time: string; message: string };
  detachError?: { time: string; message: string };
}

/** external-attacher's finalizer: its prefix and the driver name with "/" made "-". */
export const attacherFinalizer = (driver: string) => `external-attacher/${driver.replaceAll('/', '-')}`;

const now = () => rfc3339();

export class AttacherController extends Controller {
  // A driver that refuses is asked again after 250 ms, doubling to 5 minutes (the sidecars' own back-off).
  override readonly queue = sidecarQueue();
  private attachments: InformerLike;
  private volumes: InformerLike;

  constructor(private d: SidecarDeps) {
    super('csi-attacher', d.log, d.factory, 2);
    this.attachments = this.informers.informer(SR.volumeattachments);
    this.volumes = this.informers.informer(R.persistentvolumes);
    this.watch(this.attachments, (old, o) => (((o ?? old)!.spec as VaSpec | undefined)?.nodeName === d.nodeName ? ownKey(old, o) : undefined));
  }

  resync() {
    for (const va of this.attachments.list()) if ((va.spec as VaSpec | undefined)?.nodeName === this.d.nodeName) this.enqueue(va.metadata!.name!);
  }

  protected async reconcile(key: string) {
    const va = this.attachments.get(key);
    if (!va) return;
    const spec = (va.spec ?? {}) as VaSpec;
    if (spec.nodeName !== this.d.nodeName || !spec.attacher || !this.d.drivers.attachRequired(spec.attacher)) return;
    const served = await this.d.drivers.get(spec.attacher);
    if (!served) return;
    const finalizer = attacherFinalizer(served.name);
    const status = (va.status ?? {}) as VaStatus;
    const pvSpec = spec.source?.inlineVolumeSpec ?? ((spec.source?.persistentVolumeName ? this.volumes.get(spec.source.persistentVolumeName)?.spec : undefined) as PvSpec | undefined);
    const handle = pvSpec?.csi?.volumeHandle;
    const { nodeId } = await this.d.drivers.node(served, this.d.nodeName);
    if (va.metadata?.deletionTimestamp) {
      if (!va.metadata.finalizers?.includes(finalizer)) return;
      if (handle && served.rpcs.has('PUBLISH_UNPUBLISH_VOLUME')) {
        try {
          await served.controller.controllerUnpublishVolume({ volumeId: handle, nodeId });
        } catch (e) {
          if (!isCsiNotFound(e)) {
            await this.writeStatus(key, (s) => ({ ...s, detachError: { time: now(), message: rpcMessage(e) } }));
            throw e;
          }
        }
      }
      await this.mutate(key, (o) => {
        o.metadata!.finalizers = (o.metadata!.finalizers ?? []).filter((f) => f !== finalizer);
      });
      return;
    }
    if (status.attached) return;
    if (!va.metadata?.finalizers?.includes(finalizer)) {
      await this.mutate(key, (o) => {
        o.metadata!.finalizers = [...(o.metadata!.finalizers ?? []), finalizer];
      });
      return; // the update brings the object back through the watch
    }
    if (!handle) throw new Error(`VolumeAttachment ${key}: its volume ${spec.source?.persistentVolumeName ?? ''} is not a known CSI volume yet`);
    let publishContext: Record<string, string> | undefined;
    if (served.rpcs.has('PUBLISH_UNPUBLISH_VOLUME')) {
      try {
        publishContext = (await served.controller.controllerPublishVolume({ volumeId: handle, nodeId, volumeCapability: pvCapability(pvSpec!), readonly: pvSpec?.csi?.readOnly ?? false, volumeContext: pvSpec?.csi?.volumeAttributes })).publishContext;
      } catch (e) {
        await this.writeStatus(key, (s) => ({ ...s, attached: false, attachError: { time: now(), message: rpcMessage(e) } }));
        throw e;
      }
    }
    await this.writeStatus(key, () => ({ attached: true, ...(publishContext && Object.keys(publishContext).length ? { attachmentMetadata: publishContext } : {}) }));
    this.log.info('attached a volume', { attachment: key, handle, node: this.d.nodeName });
  }

  private async mutate(name: string, f: (o: KObject) => void, subresource?: string) {
    for (let i = 0; ; i++) {
      try {
        const o = await this.d.client.get(SR.volumeattachments, undefined, name);
        f(o);
        await this.d.client.update(SR.volumeattachments, o, subresource);
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e) || i >= 4) throw e;
      }
    }
  }

  private writeStatus(name: string, f: (s: VaStatus) => VaStatus) {
    return this.mutate(name, (o) => (o.status = f((o.status ?? {}) as VaStatus)), 'status');
  }
}
