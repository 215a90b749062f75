// The PersistentVolume controller (Kubernetes' persistent-volume-binder): binds claims to volumes
// (the volume's claimRef first, then the claim's volumeName, with the bind-completed and
// bound-by-controller annotations), keeps their phases (claims Pending/Bound/Lost, volumes
// Available/Bound/Released/Failed with lastPhaseTransitionTime), hands claims no volume fits to
// their class's provisioner (volume.kubernetes.io/storage-provisioner, event ExternalProvisioning)
// and reclaims released volumes (Retain keeps them; Delete is the provisioner's own business, a
// volume no provisioner made fails with VolumeFailedDelete). Decisions are decide.ts'; this file
// carries them out against the API, one object per reconcile, level-triggered from the caches.

import type { Pod } from '../../api/core/index.js';
import { nodeViewOf } from '../../api/scheduling/node-selector.js';
import { EventRecorder } from '../../client/events.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import { isNotFound, type RestClient } from '../../client/rest.js';
import { ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_STORAGE_PROVISIONER } from '../../api/storage-names.js';
import { deepEqual } from '../../util/equal.js';
import type { Logger } from '../../util/log.js';
import { Controller, type ReconcileResult } from '../controller.js';
import { nowRfc3339 } from '../util/pod-state.js';
import { type ClaimWorld, decideClaim, decideVolume, type Ev, provisionerAnnotationsMissing } from './decide.js';
import { INDEX_POD_CLAIMS, podsByClaim } from './pod-claims.js';
import { CSI_DRIVERS, STORAGE_CLASSES } from './resources.js';
import { claimClass, type Pv, type Pvc, type StorageClass, volumeClass } from '../../api/storage/types.js';
import { claimKey, claimRefKey } from './types.js';

const CLAIM = 'pvc:';
const VOLUME = 'pv:';
/** Kubernetes' PV controller resyncs every 15 s: claims waiting for a volume look again. */
const RESYNC_MS = 15_000;

const INDEX_UNBOUND_CLASS = 'unbound-claims-by-class';
const INDEX_CLAIM_REF = 'volumes-by-claim-ref';

export class PersistentVolumeBinder extends Controller {
  readonly volumes: InformerLike;
  readonly claims: InformerLike;
  private readonly classes: InformerLike;
  private readonly drivers: InformerLike;
  private readonly nodes: InformerLike;
  private readonly pods: InformerLike;
  private readonly events: EventRecorder;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('persistentvolume-binder', log, factory, 8);
    this.events = new EventRecorder(client, 'persistentvolume-controller', log);
    this.volumes = this.informers.informer(R.persistentvolumes, {}, { [INDEX_CLAIM_REF]: (v) => ((v as Pv).spec?.claimRef ? [claimRefKey((v as Pv).spec!.claimRef!)] : []) });
    // Claims not bound yet, by class: what a new volume, class or driver may unblock.
    this.claims = this.informers.informer(R.persistentvolumeclaims, {}, { [INDEX_UNBOUND_CLASS]: (c) => (c.metadata?.annotations?.[ANN_BIND_COMPLETED] === undefined ? [claimClass(c as Pvc)] : []) });
    this.classes = this.informers.informer(STORAGE_CLASSES);
    this.drivers = this.informers.informer(CSI_DRIVERS);
    this.nodes = this.informers.informer(R.nodes);
    this.pods = this.informers.informer(R.pods, {}, { [INDEX_POD_CLAIMS]: podsByClaim });
    this.watch(this.claims, (old, c) => {
      const keys = [CLAIM + claimKey((c ?? old)!)];
      // A deleted claim releases its volume.
      if (!c && old) {
        const name = (old as Pvc).spec?.volumeName;
        if (name) keys.push(VOLUME + name);
        for (const v of this.volumes.byIndex(INDEX_CLAIM_REF, claimKey(old))) keys.push(VOLUME + v.metadata!.name!);
      }
      return keys;
    });
    this.watch(this.volumes, (old, v) => {
      const keys = [VOLUME + (v ?? old)!.metadata!.name!];
      // A volume that became available may fit a waiting claim of its class.
      const pv = v as Pv | undefined;
      if (pv && pv.status?.phase === 'Available' && (old as Pv | undefined)?.status?.phase !== 'Available') keys.push(...this.unboundClaims(volumeClass(pv)));
      const ref = pv?.spec?.claimRef;
      if (ref?.uid) keys.push(CLAIM + claimRefKey(ref));
      return keys;
    });
    this.watch(this.classes, (old, sc) => this.unboundClaims((sc ?? old)!.metadata!.name!));
    this.watch(this.drivers, (old, d) => {
      const name = (d ?? old)!.metadata!.name!;
      return this.classes
        .list()
        .filter((sc) => (sc as StorageClass).provisioner === name)
        .flatMap((sc) => this.unboundClaims(sc.metadata!.name!));
    });
  }

  private unboundClaims(cls: string): string[] {
    return this.claims.byIndex(INDEX_UNBOUND_CLASS, cls).map((c) => CLAIM + claimKey(c));
  }

  protected async reconcile(key: string): Promise<ReconcileResult | undefined> {
    if (key.startsWith(VOLUME)) {
      const v = this.volumes.get(key.slice(VOLUME.length)) as Pv | undefined;
      if (v) await this.syncVolume(v);
      return undefined;
    }
    const c = this.claims.get(key.slice(CLAIM.length)) as Pvc | undefined;
    if (!c) return undefined;
    return this.syncClaim(c);
  }

  private world(): ClaimWorld {
    return {
      volume: (name) => this.volumes.get(name) as Pv | undefined,
      volumes: () => this.volumes.list() as Pv[],
      storageClass: (name) => this.classes.get(name) as StorageClass | undefined,
      csiDriverExists: (name) => this.drivers.get(name) !== undefined,
      node: (name) => {
        const n = this.nodes.get(name);
        return n ? nodeViewOf(n) : undefined;
      },
      unscheduledPods: (c) =>
        this.pods
          .byIndex(INDEX_POD_CLAIMS, claimKey(c))
          .filter((p) => !(p as Pod).spec?.nodeName && !p.metadata?.deletionTimestamp)
          .map((p) => p.metadata!.name!)
          .sort(),
    };
  }

  private record(c: Pvc | undefined, v: Pv | undefined, events: Ev[]) {
    for (const e of events) {
      const obj = e.on === 'claim' ? c : v;
      if (obj) this.events.record(obj, e.type, e.reason, e.message);
    }
  }

  private async syncClaim(c: Pvc): Promise<ReconcileResult | undefined> {
    const d = decideClaim(c, this.world());
    switch (d.action) {
      case 'bind':
        this.record(c, d.volume, d.events);
        await this.bind(d.volume, c);
        return undefined;
      case 'lost':
        if (c.status?.phase !== 'Lost') {
          await this.updateClaimStatus(c, 'Lost');
          this.record(c, undefined, d.events);
        }
        return undefined;
      case 'error':
        this.record(c, undefined, d.events);
        throw new Error(d.message);
      case 'pending': {
        let claim = c;
        if (d.provisioner && provisionerAnnotationsMissing(c, d.provisioner)) {
          claim = (await this.client.update(R.persistentvolumeclaims, { ...c, metadata: { ...c.metadata, annotations: { ...c.metadata?.annotations, [ANN_STORAGE_PROVISIONER]: d.provisioner, [ANN_BETA_STORAGE_PROVISIONER]: d.provisioner } } })) as Pvc;
        }
        this.record(claim, undefined, d.events);
        await this.updateClaimStatus(claim, 'Pending');
        return { requeueAfter: RESYNC_MS };
      }
    }
  }

  private async syncVolume(v: Pv): Promise<void> {
    const d = decideVolume(v, { claim: (k) => this.claims.get(k) as Pvc | undefined });
    switch (d.action) {
      case 'phase':
        await this.updateVolumePhase(v, d.phase);
        return;
      case 'syncClaim': {
        const c = this.claims.get(d.claimKey) as Pvc | undefined;
        this.record(c, v, d.events);
        this.queue.add(CLAIM + d.claimKey);
        return;
      }
      case 'unbind':
        await this.unbind(v);
        return;
      case 'release': {
        // The cache may be behind: never release a volume whose claim the API server still has.
        const ref = v.spec!.claimRef!;
        const live = (await this.client.get(R.persistentvolumeclaims, ref.namespace, ref.name ?? '').catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)))) as Pvc | undefined;
        if (live && live.metadata?.uid === ref.uid && (!live.spec?.volumeName || live.spec.volumeName === v.metadata?.name)) {
          this.queue.addAfter(VOLUME + v.metadata!.name!, 1000);
          return;
        }
        let cur = v;
        if (cur.status?.phase !== 'Released' && cur.status?.phase !== 'Failed') {
          this.log.info('volume released; its reclaim policy applies', { volume: v.metadata?.name, policy: v.spec?.persistentVolumeReclaimPolicy });
          cur = await this.updateVolumePhase(cur, 'Released');
        }
        if (d.reclaim.action === 'fail' && cur.status?.phase !== 'Failed') {
          cur = await this.updateVolumePhase(cur, 'Failed', d.reclaim.message);
          this.record(undefined, cur, [d.reclaim.event]);
        }
        return;
      }
    }
  }

  /** Both halves of a binding, the volume first (Kubernetes' bind): each write only when something changes. */
  private async bind(v: Pv, c: Pvc) {
    let vol = v;
    const ref = vol.spec?.claimRef;
    const boundToThis = !!ref && ref.name === c.metadata?.name && ref.namespace === c.metadata?.namespace && (!ref.uid || ref.uid === c.metadata?.uid);
    if (!ref || ref.name !== c.metadata?.name || ref.namespace !== c.metadata?.namespace || ref.uid !== c.metadata?.uid) {
      const annotations = { ...vol.metadata?.annotations };
      if (!boundToThis && annotations[ANN_BOUND_BY_CONTROLLER] === undefined) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
      const claimRef = { kind: 'PersistentVolumeClaim', namespace: c.metadata?.namespace, name: c.metadata?.name, uid: c.metadata?.uid, apiVersion: 'v1', resourceVersion: c.metadata?.resourceVersion };
      vol = (await this.client.update(R.persistentvolumes, { ...vol, metadata: { ...vol.metadata, annotations }, spec: { ...vol.spec, claimRef } })) as Pv;
      this.log.info('claim bound to volume', { claim: claimKey(c), volume: vol.metadata?.name });
    }
    // Once the volume's claimRef is saved, its phase and the claim's half are independent writes:
    // they go out together, so a claim waiting in the scheduler's preBind (which waits for the
    // claim's volumeName and bind-completed, not for the volume's phase) is Bound one API round trip
    // sooner. Either failing leaves the other for the next sync, which finds it done.
    let claim = c;
    const annotations = { ...claim.metadata?.annotations };
    let dirty = false;
    let volumeName = claim.spec?.volumeName;
    if (volumeName !== vol.metadata?.name) {
      volumeName = vol.metadata?.name;
      if (annotations[ANN_BOUND_BY_CONTROLLER] === undefined) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
      dirty = true;
    }
    if (annotations[ANN_BIND_COMPLETED] === undefined) {
      annotations[ANN_BIND_COMPLETED] = 'yes';
      dirty = true;
    }
    const [volPhase, claimSpec] = await Promise.allSettled([this.updateVolumePhase(vol, 'Bound'), dirty ? (this.client.update(R.persistentvolumeclaims, { ...claim, metadata: { ...claim.metadata, annotations }, spec: { ...claim.spec, volumeName } }) as Promise<Pvc>) : Promise.resolve(claim)]);
    if (volPhase.status === 'rejected') throw volPhase.reason;
    if (claimSpec.status === 'rejected') throw claimSpec.reason;
    vol = volPhase.value;
    claim = claimSpec.value;
    await this.updateClaimStatus(claim, 'Bound', vol);
  }

  /** Kubernetes' updateClaimStatus: phase, and access modes and capacity from the volume (capacity only when becoming Bound). */
  private async updateClaimStatus(c: Pvc, phase: string, v?: Pv): Promise<Pvc> {
    const status = { ...c.status, phase };
    if (!v) {
      delete status.accessModes;
      delete status.capacity;
    } else {
      if (v.spec?.accessModes) status.accessModes = v.spec.accessModes;
      if (c.status?.phase !== phase && v.spec?.capacity) status.capacity = v.spec.capacity;
    }
    if (deepEqual(status, c.status ?? {})) return c;
    const updated = (await this.client.update(R.persistentvolumeclaims, { ...c, status }, 'status')) as Pvc;
    if (c.status?.phase !== phase) this.log.info('claim entered phase', { claim: claimKey(c), phase });
    return updated;
  }

  private async updateVolumePhase(v: Pv, phase: string, message?: string): Promise<Pv> {
    if (v.status?.phase === phase) return v;
    const status: NonNullable<Pv['status']> = { ...v.status, phase, lastPhaseTransitionTime: nowRfc3339() };
    if (message) status.message = message;
    else delete status.message;
    const updated = (await this.client.update(R.persistentvolumes, { ...v, status }, 'status')) as Pv;
    this.log.info('volume entered phase', { volume: v.metadata?.name, phase });
    return updated;
  }

  /** Undo a binding the claim did not take (Kubernetes' unbindVolume): ours goes entirely, a user's pre-binding keeps its claim name. */
  private async unbind(v: Pv) {
    const annotations = { ...v.metadata?.annotations };
    let claimRef = v.spec?.claimRef;
    if (annotations[ANN_BOUND_BY_CONTROLLER] !== undefined) {
      claimRef = undefined;
      delete annotations[ANN_BOUND_BY_CONTROLLER];
    } else if (claimRef) {
      const { uid: _uid, ...rest } = claimRef;
      claimRef = rest;
    }
    const spec = { ...v.spec };
    if (claimRef) spec.claimRef = claimRef;
    else delete spec.claimRef;
    const updated = (await this.client.update(R.persistentvolumes, { ...v, metadata: { ...v.metadata, annotations }, spec })) as Pv;
    await this.updateVolumePhase(updated, 'Available');
  }
}
