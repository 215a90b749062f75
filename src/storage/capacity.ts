// The node-side external-provisioner's storage capacity tracking (its --enable-capacity in
// distributed mode): for each StorageClass of a served driver whose CSIDriver says
// storageCapacity: true, one CSIStorageCapacity in kube-system for this node's topology segment,
// with GetCapacity's answer, refreshed every minute, so the scheduler's VolumeBinding sends
// claims only to nodes with room ("node(s) did not have enough free storage"). The objects carry
// external-provisioner's labels (driver name, managed-by external-provisioner-<node>) and are owned
// by the Node, so they go with it.

import type { KObject } from '../api/kind.js';
import { STORAGE_SIDECARS_NAMESPACE } from '../api/auth/storage-sidecars.js';
import type { InformerLike } from '../client/informer.js';
import { R } from '../client/resources.js';
import { isConflict, isNotFound } from '../client/rest.js';
import { Controller } from '../controllers/controller.js';
import { driverParameters, PARAM_FSTYPE } from './provision-request.js';
import { sidecarQueue, type SidecarDeps } from './provisioner.js';
import { bytesQuantity } from './quantity.js';
import { SR, type StorageClassFields } from './resources.js';

export const LABEL_DRIVER = 'csi.storage.k8s.io/drivername';
export const LABEL_MANAGED_BY = 'csi.storage.k8s.io/managed-by';
const DEFAULT_REFRESH_MS = 60_000;

type Capacity = KObject & { storageClassName?: string; nodeTopology?: { matchLabels?: Record<string, string> }; capacity?: string; maximumVolumeSize?: string };

export class CapacityController extends Controller {
  override readonly queue = sidecarQueue();
  private classes: InformerLike;
  private capacities: InformerLike;
  private timer?: NodeJS.Timeout;
  private nodeUid?: string;
  private readonly managedBy: string;

  constructor(
    private d: SidecarDeps,
    private refreshMs = DEFAULT_REFRESH_MS,
  ) {
    super('csi-capacity', d.log, d.factory, 1);
    this.managedBy = `external-provisioner-${d.nodeName}`;
    this.classes = this.informers.informer(SR.storageclasses);
    // Only this agent's objects (the label selector is part of the informer's identity).
    this.capacities = this.informers.informer(R.csistoragecapacities, { namespace: STORAGE_SIDECARS_NAMESPACE, query: { labelSelector: `${LABEL_MANAGED_BY}=${this.managedBy}` } });
    this.watch(this.classes, (old, o) => (o ?? old)!.metadata!.name);
    this.watch(this.capacities, (old, o) => ((o ?? old) as Capacity).storageClassName);
  }

  resync() {
    for (const c of this.classes.list()) this.enqueue(c.metadata!.name!);
    // Objects of classes that are gone.
    for (const c of this.capacities.list()) if ((c as Capacity).storageClassName) this.enqueue((c as Capacity).storageClassName!);
  }

  protected override async onCachesSynced() {
    this.timer = setInterval(() => this.resync(), this.refreshMs);
    this.timer.unref();
  }

  protected override onStop() {
    clearInterval(this.timer);
  }

  protected async reconcile(className: string) {
    const mine = this.capacities.list().filter((c) => (c as Capacity).storageClassName === className) as Capacity[];
    const want = await this.desired(className);
    if (!want) {
      for (const c of mine) await this.remove(c);
      return;
    }
    const [keep, ...extra] = mine.filter((c) => sameTopology(c, want.segments));
    for (const c of [...mine.filter((c) => !sameTopology(c, want.segments)), ...extra]) await this.remove(c);
    const capacity = bytesQuantity(want.available);
    const maximumVolumeSize = want.maximum !== undefined ? bytesQuantity(want.maximum) : undefined;
    if (!keep) {
      await this.d.client.create(R.csistoragecapacities, STORAGE_SIDECARS_NAMESPACE, {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'CSIStorageCapacity',
        metadata: { generateName: 'csisc-', namespace: STORAGE_SIDECARS_NAMESPACE, labels: { [LABEL_DRIVER]: want.driver, [LABEL_MANAGED_BY]: this.managedBy }, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.d.nodeName, uid: want.nodeUid }] },
        storageClassName: className,
        nodeTopology: { matchLabels: { ...want.segments } },
        capacity,
        ...(maximumVolumeSize ? { maximumVolumeSize } : {}),
      });
      return;
    }
    if (keep.capacity === capacity && keep.maximumVolumeSize === maximumVolumeSize) return;
    const next = { ...structuredClone(keep), capacity } as Capacity;
    if (maximumVolumeSize) next.maximumVolumeSize = maximumVolumeSize;
    else delete next.maximumVolumeSize;
    try {
      await this.d.client.update(R.csistoragecapacities, next);
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
  }

  /** What this node should publish for the class, or undefined when it publishes nothing for it. */
  private async desired(className: string): Promise<{ driver: string; segments: Record<string, string>; available: number; maximum?: number; nodeUid: string } | undefined> {
    const sc = this.classes.get(className) as (KObject & StorageClassFields) | undefined;
    if (!sc?.provisioner || !this.d.drivers.tracksCapacity(sc.provisioner)) return undefined;
    const served = await this.d.drivers.get(sc.provisioner);
    if (!served?.rpcs.has('GET_CAPACITY')) return undefined;
    const { topology } = await this.d.drivers.node(served, this.d.nodeName);
    if (!topology) return undefined; // capacity is per topology segment: a driver without one has nothing to say
    const fsType = sc.parameters?.[PARAM_FSTYPE];
    const r = await served.controller.getCapacity({
      volumeCapabilities: [{ mount: fsType ? { fsType } : {}, accessMode: { mode: 'SINGLE_NODE_WRITER' } }],
      parameters: driverParameters(sc),
      accessibleTopology: topology,
    });
    this.nodeUid ??= (await this.d.client.get(R.nodes, undefined, this.d.nodeName)).metadata?.uid;
    if (!this.nodeUid) throw new Error(`node ${this.d.nodeName} has no uid`);
    const maximum = typeof r.maximumVolumeSize === 'number' && r.maximumVolumeSize > 0 ? r.maximumVolumeSize : undefined;
    return { driver: served.name, segments: topology.segments, available: Math.max(0, Number(r.availableCapacity) || 0), maximum, nodeUid: this.nodeUid };
  }

  private async remove(c: Capacity) {
    try {
      await this.d.client.delete(R.csistoragecapacities, STORAGE_SIDECARS_NAMESPACE, c.metadata!.name!, { preconditions: { uid: c.metadata!.uid } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  }
}

function sameTopology(c: Capacity, segments: Record<string, string>): boolean {
  const m = c.nodeTopology?.matchLabels ?? {};
  const a = Object.keys(m);
  return a.length === Object.keys(segments).length && a.every((k) => m[k] === segments[k]);
}
