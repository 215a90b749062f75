// The node-side external-provisioner (its distributed mode): claims handed to a driver this agent
// serves (volume.kubernetes.io/storage-provisioner), not yet bound, and either selected for this
// node by the scheduler (WaitForFirstConsumer) or Immediate and taken by this agent (it writes its
// node name into volume.kubernetes.io/selected-node with an optimistic update: the agent whose
// write lands first provisions, the others get a conflict and leave the claim). A claim the node
// has no room for (ResourceExhausted, or a topology the class does not allow) is given back: the
// scheduler picks again (WaitForFirstConsumer), or another agent takes it (Immediate). The volume is
// created (CreateVolume, name pvc-<claim uid>, idempotent), then its PV; if the PV cannot be
// created the volume is deleted again, so nothing is left half-provisioned. The PV controller
// binds the claim to the PV. A WaitForFirstConsumer claim the scheduler selected this node for is
// provisioned as soon as the selected-node annotation arrives, when the claim's class names a driver
// this agent serves: the scheduler chose to provision it (no existing volume fitted), so waiting for
// the PV controller to write the storage-provisioner annotation first would only add a round trip
// to every claim of a StatefulSet.

import type { Pvc } from '../api/storage/types.js';
import type { KObject } from '../api/kind.js';
import type { EventRecorder } from '../client/events.js';
import type { InformerLike } from '../client/informer.js';
import type { InformerFactory } from '../client/informer-factory.js';
import { R } from '../client/resources.js';
import { isConflict, isNotFound, StatusError, type RestClient } from '../client/rest.js';
import { Controller } from '../controllers/controller.js';
import { WorkQueue } from '../client/workqueue.js';
import { CsiError, GrpcCode, type Topology, type Volume } from '../csi/types.js';
import type { Logger } from '../util/log.js';
import { ANN_BETA_STORAGE_PROVISIONER, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER } from '../api/storage-names.js';
import { contentSource } from './content-source.js';
import { createVolumeRequest, persistentVolumeFor, ProvisioningError, topologyAllowed, volumeNameFor } from './provision-request.js';
import { type ClaimSpec, type PvSpec, SR, type StorageClassFields } from './resources.js';
import { rpcMessage } from './rpc-message.js';
import type { ServedDriver, ServedDrivers } from './served-drivers.js';
import { ignoreError } from '../util/best-effort.js';

/** Attempts at saving a PV for a volume already made, before giving the volume back (external-provisioner retries 5 times). */
const PV_CREATE_ATTEMPTS = 3;
const PV_CREATE_RETRY_MS = 300;

export interface SidecarDeps {
  client: RestClient;
  factory: InformerFactory;
  drivers: ServedDrivers;
  nodeName: string;
  recorder: EventRecorder;
  log: Logger;
}

/** The sidecars' work queue: retries start at 250 ms and double up to 5 minutes (external-provisioner: 1 s to 5 min). */
export const sidecarQueue = () => new WorkQueue<string>({ baseDelayMs: 250, maxDelayMs: 300_000 });

/** Errors that mean "not on this node": out of capacity (RESOURCE_EXHAUSTED), or a topology the class does not allow. */
/** How long a created PV counts as made without the volumes watch showing it. */
const SAVED_PV_MEMORY_MS = 60_000;

/** How long an agent leaves an Immediate claim it could not hold to the other agents. */
const DECLINE_MS = 60_000;
const mayReschedule = (e: unknown) => (e instanceof CsiError && e.code === GrpcCode.RESOURCE_EXHAUSTED) || (e instanceof ProvisioningError && /allowedTopologies/.test(e.message));

export const provisionerOf = (claim: KObject) => claim.metadata?.annotations?.[ANN_STORAGE_PROVISIONER] ?? claim.metadata?.annotations?.[ANN_BETA_STORAGE_PROVISIONER];

export class ProvisionerController extends Controller {
  // A driver that refuses is asked again after 250 ms, doubling to 5 minutes (the sidecars' own back-off).
  override readonly queue = sidecarQueue();
  private claims: InformerLike;
  private volumes: InformerLike;
  private classes: InformerLike;
  /** Immediate claims this agent gave back (no room here), by uid: until when it leaves them to other agents. */
  private declined = new Map<string, number>();
  /** PVs this agent created, by name, with when: until the volumes watch shows one, the claim's own
   *  update (selected-node, arriving first) must not make its volume a second time. */
  private saved = new Map<string, number>();

  constructor(private d: SidecarDeps) {
    // Provisioning waits on the driver and the API, not the CPU: a StatefulSet's claims go in parallel
    // (external-provisioner's --worker-threads defaults to 100).
    super('csi-provisioner', d.log, d.factory, 32);
    this.claims = this.informers.informer(R.persistentvolumeclaims);
    this.volumes = this.informers.informer(R.persistentvolumes);
    this.classes = this.informers.informer(SR.storageclasses);
    this.watch(this.claims, (old, o) => {
      const c = o ?? old!;
      return provisionerOf(c) || this.selectedHere(c) ? `${c.metadata!.namespace}/${c.metadata!.name}` : undefined;
    });
    // A class that appears (or changes) wakes the claims waiting for it.
    this.watch(this.classes, (old, o) => {
      const name = (o ?? old)!.metadata!.name;
      return this.claims
        .list()
        .filter((c) => (provisionerOf(c) || this.selectedHere(c)) && (c.spec as ClaimSpec | undefined)?.storageClassName === name)
        .map((c) => `${c.metadata!.namespace}/${c.metadata!.name}`);
    });
    // A PV that goes away while its claim waits (a failed bind, a deleted volume) lets the claim be provisioned again.
    this.watch(this.volumes, (old, o) => {
      const ref = ((o ?? old)!.spec as PvSpec | undefined)?.claimRef;
      return ref?.namespace && ref.name ? `${ref.namespace}/${ref.name}` : undefined;
    });
  }

  /** Every claim again (a driver registered, a CSIDriver changed). */
  resync() {
    for (const c of this.claims.list()) if (provisionerOf(c) || this.selectedHere(c)) this.enqueue(`${c.metadata!.namespace}/${c.metadata!.name}`);
  }

  private selectedHere(claim: KObject): boolean {
    return claim.metadata?.annotations?.[ANN_SELECTED_NODE] === this.d.nodeName;
  }

  /**
   * The driver meant to provision the claim: the PV controller's storage-provisioner annotation, or
   * for a WaitForFirstConsumer claim selected for this node before that annotation, its class's provisioner.
   */
  private provisionerFor(claim: KObject): string | undefined {
    const named = provisionerOf(claim);
    if (named) return named;
    if (!this.selectedHere(claim)) return undefined;
    const sc = this.classes.get((claim.spec as ClaimSpec | undefined)?.storageClassName ?? '') as (KObject & StorageClassFields) | undefined;
    return sc?.volumeBindingMode === 'WaitForFirstConsumer' ? sc.provisioner : undefined;
  }

  protected async reconcile(key: string) {
    const claim = this.claims.get(key);
    if (!claim || claim.metadata?.deletionTimestamp) return;
    const spec = (claim.spec ?? {}) as ClaimSpec;
    if (spec.volumeName || (claim as Pvc).status?.phase === 'Bound') return;
    const driver = this.provisionerFor(claim);
    if (!driver) return;
    const served = await this.d.drivers.get(driver);
    if (!served) return;
    // Already made (our PV exists, or we just created it and the watch has not shown it): the PV controller binds it.
    const pvName = volumeNameFor(claim);
    if (this.volumes.get(pvName)) {
      this.saved.delete(pvName);
      return;
    }
    if ((this.saved.get(pvName) ?? 0) > Date.now() - SAVED_PV_MEMORY_MS) return;
    this.saved.delete(pvName);
    const className = spec.storageClassName ?? '';
    const sc = this.classes.get(className) as (KObject & StorageClassFields) | undefined;
    const selected = claim.metadata?.annotations?.[ANN_SELECTED_NODE];
    if (selected && selected !== this.d.nodeName) return;
    if (!sc) {
      // Only the agent that is meant to provision says so; the class's arrival wakes the claim.
      if (selected) this.failed(claim, className, new ProvisioningError(`storageclass.storage.k8s.io "${className}" not found`));
      return;
    }
    if (sc.provisioner !== served.name) return;
    const node = await this.d.drivers.node(served, this.d.nodeName);
    let target = claim;
    if (!selected) {
      if (sc.volumeBindingMode === 'WaitForFirstConsumer') return; // the scheduler picks the node
      if (!topologyAllowed(node.topology, sc)) return; // another node's agent may take it
      // Recently given up here for want of room: other agents go first.
      const declinedUntil = this.declined.get(claim.metadata!.uid!) ?? 0;
      if (declinedUntil > Date.now()) return { requeueAfter: declinedUntil - Date.now() };
      this.declined.delete(claim.metadata!.uid!);
      const taken = await this.take(claim);
      if (!taken) return;
      target = taken;
    }
    await this.provision(target, className, sc, served, node.topology);
  }

  /** An Immediate claim claimed for this node: the update carries the cached resourceVersion, so of racing agents exactly one wins. */
  private async take(claim: KObject): Promise<KObject | undefined> {
    const copy = structuredClone(claim) as KObject;
    copy.metadata!.annotations = { ...(copy.metadata!.annotations ?? {}), [ANN_SELECTED_NODE]: this.d.nodeName };
    try {
      const updated = await this.d.client.update(R.persistentvolumeclaims, copy);
      this.log.info('took an Immediate claim for this node', { claim: `${claim.metadata!.namespace}/${claim.metadata!.name}` });
      return updated;
    } catch (e) {
      if (isConflict(e) || isNotFound(e)) return undefined; // another agent won, or the claim changed: the watch brings it back
      throw e;
    }
  }

  private async provision(claim: KObject, className: string, sc: StorageClassFields, served: ServedDriver, nodeTopology: Topology | undefined) {
    const key = `${claim.metadata!.namespace}/${claim.metadata!.name}`;
    this.d.recorder.record(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
    let volume: Volume;
    try {
      const source = await contentSource(claim, served.name, { client: this.d.client, claims: this.claims, volumes: this.volumes });
      const req = createVolumeRequest(claim, sc, { nodeTopology, contentSource: source, singleNodeMultiWriter: served.rpcs.has('SINGLE_NODE_MULTI_WRITER') });
      volume = (await served.controller.createVolume(req)).volume;
      if (!volume?.volumeId) throw new Error('the driver answered CreateVolume without a volume id');
    } catch (e) {
      this.failed(claim, className, e);
      // As external-provisioner: a WaitForFirstConsumer claim this node cannot hold goes back to the
      // scheduler (selected-node removed), which may pick another node.
      if (mayReschedule(e)) {
        // An Immediate claim this agent took is left to the others for a while (it would win its own race again).
        if (sc.volumeBindingMode !== 'WaitForFirstConsumer') {
          const now = Date.now();
          for (const [uid, until] of this.declined) if (until <= now) this.declined.delete(uid);
          this.declined.set(claim.metadata!.uid!, now + DECLINE_MS);
        }
        return this.reschedule(claim);
      }
      throw e;
    }
    const pv = persistentVolumeFor(claim, className, sc, served.name, this.d.nodeName, volume);
    try {
      await this.savePv(pv, claim);
    } catch (e) {
      // Give the volume back: the claim is provisioned again from scratch on the next attempt.
      try {
        await served.controller.deleteVolume({ volumeId: volume.volumeId });
        this.log.warn('deleted a volume whose PV could not be saved', { claim: key, volume: volume.volumeId, err: e });
      } catch (de) {
        this.log.error('a volume whose PV could not be saved could not be deleted either; retrying', { claim: key, volume: volume.volumeId, err: de });
      }
      this.failed(claim, className, new Error(`error saving PV ${pv.metadata!.name}: ${(e as Error).message}`));
      throw e;
    }
    this.log.info('provisioned a volume', { claim: key, volume: pv.metadata!.name, handle: volume.volumeId });
    this.d.recorder.record(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pv.metadata!.name}`);
  }

  private async reschedule(claim: KObject) {
    const copy = structuredClone(claim) as KObject;
    const annotations = { ...(copy.metadata!.annotations ?? {}) };
    delete annotations[ANN_SELECTED_NODE];
    copy.metadata!.annotations = annotations;
    try {
      await this.d.client.update(R.persistentvolumeclaims, copy);
      this.log.info('gave a claim back to the scheduler: this node cannot provision it', { claim: `${claim.metadata!.namespace}/${claim.metadata!.name}` });
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
  }

  private async savePv(pv: KObject, claim: KObject) {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.d.client.create(R.persistentvolumes, undefined, pv);
        this.saved.set(pv.metadata!.name!, Date.now());
        return;
      } catch (e) {
        if (isConflict(e) || (e instanceof StatusError && e.reason === 'AlreadyExists')) {
          // Ours from an earlier attempt (same claim uid) is success; anything else is a real clash.
          const existing = await this.d.client.get(R.persistentvolumes, undefined, pv.metadata!.name!).catch(ignoreError('the AlreadyExists error is thrown below instead'));
          if ((existing?.spec as PvSpec | undefined)?.claimRef?.uid === claim.metadata!.uid) return;
          throw e;
        }
        const final = e instanceof StatusError && e.code >= 400 && e.code < 500 && e.code !== 429;
        if (final || attempt >= PV_CREATE_ATTEMPTS) throw e;
        await new Promise((r) => setTimeout(r, PV_CREATE_RETRY_MS * attempt));
      }
    }
  }

  private failed(claim: KObject, className: string, e: unknown) {
    this.d.recorder.record(claim, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${className}": ${rpcMessage(e)}`);
  }
}
