// The attach-detach controller (Kubernetes' attachdetach, for CSI volumes): one VolumeAttachment
// per (CSI PersistentVolume, node) while a pod scheduled to that node uses the volume and its
// driver needs attaching (CSIDriver attachRequired not false; a driver without a CSIDriver object
// needs it, as in Kubernetes); the attacher (the driver's external-attacher, or gifee's agent
// sidecars) does the attaching. Once no running pod on the node uses the volume and the node no
// longer lists it in status.volumesInUse (the agent still has it mounted), the attachment is deleted;
// an attachment naming a PersistentVolume that does not exist is left alone, as Kubernetes does.
// Reconciled per node.

import { createHash } from 'node:crypto';
import type { Node, Pod, PodSpec as CorePodSpec } from '../../api/core/index.js';
import type { KObject } from '../../api/kind.js';
import type { CSIDriver, Pv, Pvc, VolumeAttachment } from '../../api/storage/types.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { byNodeName, INDEX_NODE_NAME, type IndexFunc } from '../../client/indexer.js';
import { R } from '../../client/resources.js';
import { isConflict, isNotFound, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';

const VOLUME_ATTACHMENTS = { group: 'storage.k8s.io', version: 'v1', plural: 'volumeattachments', namespaced: false };
const CSI_DRIVERS = { group: 'storage.k8s.io', version: 'v1', plural: 'csidrivers', namespaced: false };

const INDEX_CLAIM = 'attachdetach/pod-claims';
const INDEX_VA_NODE = 'attachdetach/va-node';

type PodSpec = Pick<CorePodSpec, 'nodeName' | 'volumes'>;
type VaSpec = NonNullable<VolumeAttachment['spec']>;
type PvSpec = NonNullable<Pv['spec']>;

/** ns/claim of every claim a pod mounts. */
const byClaim: IndexFunc = (o) => {
  const vols = (o.spec as PodSpec | undefined)?.volumes;
  if (!Array.isArray(vols)) return [];
  return vols.flatMap((v) => (typeof v?.persistentVolumeClaim?.claimName === 'string' ? [`${o.metadata?.namespace}/${v.persistentVolumeClaim.claimName}`] : []));
};
const byVaNode: IndexFunc = (o) => {
  const n = (o.spec as VaSpec | undefined)?.nodeName;
  return typeof n === 'string' && n ? [n] : [];
};

/** Kubernetes' name for a CSI attachment: csi-<sha256(handle + driver + node)>. */
export const attachmentName = (handle: string, driver: string, node: string) => `csi-${createHash('sha256').update(`${handle}${driver}${node}`).digest('hex')}`;

/** The kubelet's unique name of a CSI volume in node.status.volumesInUse. */
const uniqueVolumeName = (driver: string, handle: string) => `kubernetes.io/csi/${driver}^${handle}`;

const terminal = (p: KObject) => ['Succeeded', 'Failed'].includes((p as Pod).status?.phase ?? '');

export class AttachDetachController extends Controller {
  private pods: InformerLike;
  private claims: InformerLike;
  private volumes: InformerLike;
  private drivers: InformerLike;
  private attachments: InformerLike;
  private nodes: InformerLike;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('attachdetach', log, factory, 2);
    this.pods = this.informers.informer(R.pods, {}, { [INDEX_NODE_NAME]: byNodeName, [INDEX_CLAIM]: byClaim });
    this.claims = this.informers.informer(R.persistentvolumeclaims);
    this.volumes = this.informers.informer(R.persistentvolumes);
    this.drivers = this.informers.informer(CSI_DRIVERS);
    this.attachments = this.informers.informer(VOLUME_ATTACHMENTS, {}, { [INDEX_VA_NODE]: byVaNode });
    this.nodes = this.informers.informer(R.nodes);
    this.watch(this.pods, (old, o) => [old, o].map((p) => (p?.spec as PodSpec | undefined)?.nodeName).filter((n): n is string => !!n));
    this.watch(this.attachments, (old, o) => [old, o].map((v) => (v?.spec as VaSpec | undefined)?.nodeName).filter((n): n is string => !!n));
    this.watch(this.nodes, (old, o) => (o ?? old)!.metadata!.name);
    this.watch(this.claims, (old, o) => this.nodesUsingClaim(`${(o ?? old)!.metadata!.namespace}/${(o ?? old)!.metadata!.name}`));
    this.watch(this.volumes, (old, o) => {
      const ref = ((o ?? old)!.spec as PvSpec | undefined)?.claimRef;
      return ref?.namespace && ref.name ? this.nodesUsingClaim(`${ref.namespace}/${ref.name}`) : undefined;
    });
    // attachRequired changes: every node with pods or attachments.
    this.watch(this.drivers, () => new Set([...this.pods.indexValues(INDEX_NODE_NAME), ...this.attachments.indexValues(INDEX_VA_NODE)]));
  }

  private nodesUsingClaim(claimKey: string): string[] {
    return [
      ...new Set(
        this.pods
          .byIndex(INDEX_CLAIM, claimKey)
          .map((p) => (p.spec as PodSpec).nodeName ?? '')
          .filter(Boolean),
      ),
    ];
  }

  private attachRequired(driver: string): boolean {
    return (this.drivers.get(driver) as CSIDriver | undefined)?.spec?.attachRequired !== false;
  }

  /** The attachments the node's pods need: name -> (driver, PV). */
  private desired(node: string): Map<string, { driver: string; pv: string }> {
    const out = new Map<string, { driver: string; pv: string }>();
    if (!this.nodes.get(node)) return out; // a deleted node keeps nothing attached
    for (const pod of this.pods.byIndex(INDEX_NODE_NAME, node)) {
      if (terminal(pod)) continue;
      for (const claimKey of byClaim(pod)) {
        const volumeName = (this.claims.get(claimKey) as Pvc | undefined)?.spec?.volumeName;
        const pv = volumeName ? this.volumes.get(volumeName) : undefined;
        const csi = (pv?.spec as PvSpec | undefined)?.csi;
        if (!csi?.driver || !csi.volumeHandle || !this.attachRequired(csi.driver)) continue;
        out.set(attachmentName(csi.volumeHandle, csi.driver, node), { driver: csi.driver, pv: volumeName! });
      }
    }
    return out;
  }

  protected async reconcile(node: string) {
    const want = this.desired(node);
    const have = this.attachments.byIndex(INDEX_VA_NODE, node);
    const haveNames = new Set(have.map((v) => v.metadata!.name!));
    for (const [name, { driver, pv }] of want) {
      if (haveNames.has(name)) continue;
      try {
        await this.client.create(VOLUME_ATTACHMENTS, undefined, { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name }, spec: { attacher: driver, nodeName: node, source: { persistentVolumeName: pv } } });
        this.log.info('attaching a volume', { node, pv, driver, attachment: name });
      } catch (e) {
        if (!isConflict(e)) throw e;
      }
    }
    const inUse = new Set(((this.nodes.get(node) as Node | undefined)?.status?.volumesInUse ?? []).filter((v) => typeof v === 'string'));
    for (const va of have) {
      const spec = (va.spec ?? {}) as VaSpec;
      const name = va.metadata!.name!;
      if (want.has(name) || va.metadata?.deletionTimestamp || !spec.source?.persistentVolumeName) continue;
      // An attachment of a volume we do not know is not ours to judge (Kubernetes skips it too):
      // someone made it by hand or for a volume still to come.
      const volume = this.volumes.get(spec.source.persistentVolumeName);
      if (!volume) continue;
      // Still mounted on the node: detaching now would pull the volume from under it.
      const handle = (volume.spec as PvSpec | undefined)?.csi?.volumeHandle;
      if (handle && spec.attacher && inUse.has(uniqueVolumeName(spec.attacher, handle))) continue;
      try {
        await this.client.delete(VOLUME_ATTACHMENTS, undefined, name, { preconditions: { uid: va.metadata!.uid } });
        this.log.info('detaching a volume', { node, pv: spec.source.persistentVolumeName, attachment: name });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
  }
}
