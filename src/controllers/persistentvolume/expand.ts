// The expand controller (Kubernetes' expand-controller): a bound claim whose requested size grew
// past status.capacity is handed to its volume's resizer. gifee has no in-tree expandable plugins,
// so a CSI volume's claim gets volume.kubernetes.io/storage-resizer = the driver's name (the node-side
// resizer, or the driver's own external-resizer, does the rest: ControllerExpandVolume, the PV's
// capacity, FileSystemResizePending, NodeExpandVolume) and the event ExternalExpanding, as
// Kubernetes records it; any other volume gets the same event as a Warning: nothing can expand it.

import { EventRecorder } from '../../client/events.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNotFound, type RestClient } from '../../client/rest.js';
import { ANN_STORAGE_RESIZER } from '../../api/storage-names.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';
import { claimClass, type Pv, type Pvc, quantityBytes } from '../../api/storage/types.js';
import { claimKey } from './types.js';

export const EXTERNAL_EXPANDING_MESSAGE = 'waiting for an external controller to expand this PVC';

/** A bound claim asking for more than it has. */
export function needsExpansion(c: Pvc): boolean {
  if (c.status?.phase !== 'Bound') return false;
  const want = quantityBytes(c.spec?.resources?.requests?.storage);
  const has = quantityBytes(c.status?.capacity?.storage);
  return want !== undefined && (has === undefined || want > has);
}

export class ExpandController extends Controller {
  readonly claims: InformerLike;
  private readonly volumes: InformerLike;
  private readonly events: EventRecorder;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('expand', log, factory, 1);
    this.events = new EventRecorder(client, 'volume_expand', log);
    this.claims = this.informers.informer(R.persistentvolumeclaims);
    this.volumes = this.informers.informer(R.persistentvolumes);
    this.watch(this.claims, (_old, c) => (c && needsExpansion(c as Pvc) ? claimKey(c) : undefined));
  }

  protected async reconcile(key: string) {
    const c = this.claims.get(key) as Pvc | undefined;
    if (!c || !needsExpansion(c) || c.metadata?.deletionTimestamp) return;
    // Kubernetes: "volume expansion is disabled for PVC without StorageClasses".
    if (claimClass(c) === '') return;
    const v = this.volumes.get(c.spec?.volumeName ?? '') as Pv | undefined;
    if (!v) throw new Error(`failed to get PV ${JSON.stringify(c.spec?.volumeName ?? '')}: not found`);
    const ref = v.spec?.claimRef;
    if (!ref || ref.namespace !== c.metadata?.namespace || ref.uid !== c.metadata?.uid) throw new Error(`persistent Volume is not bound to PVC being updated : ${key}`);
    const driver = v.spec?.csi?.driver;
    if (!driver) {
      this.events.record(c, 'Warning', 'ExternalExpanding', EXTERNAL_EXPANDING_MESSAGE);
      return;
    }
    this.events.record(c, 'Normal', 'ExternalExpanding', EXTERNAL_EXPANDING_MESSAGE);
    if (c.metadata?.annotations?.[ANN_STORAGE_RESIZER] === driver) return;
    // gifee's status subresource keeps metadata as stored, so the annotation goes through the claim itself.
    await this.client.update(R.persistentvolumeclaims, { ...c, metadata: { ...c.metadata, annotations: { ...c.metadata?.annotations, [ANN_STORAGE_RESIZER]: driver } } }).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
    this.log.info('claim handed to its resizer', { claim: key, resizer: driver });
  }
}
