// What the PV controller does about one claim or one volume, decided from its caches as Kubernetes'
// syncClaim / syncVolume do (pkg/controller/volume/persistentvolume/pv_controller.go); the
// controller (binder.ts) carries the decision out. Pure, so the tables in decide.test.ts can state
// the behaviour: phases, events and their messages, hand-off to provisioners, reclaim.

import type { NodeView } from '../../api/scheduling/node-selector.js';
import { ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER } from '../../api/storage-names.js';
import { claimClass, type Pv, type Pvc, type StorageClass, volumeModeOf } from '../../api/storage/types.js';
import { findMatchingVolume, volumeMismatch } from '../../api/storage/volume-match.js';
import { claimKey, claimRefKey, hasAnnotation } from './types.js';

export interface Ev {
  /** 'claim' or 'volume': which object the event is about. */
  on: 'claim' | 'volume';
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface ClaimWorld {
  volume(name: string): Pv | undefined;
  volumes(): Iterable<Pv>;
  storageClass(name: string): StorageClass | undefined;
  /** Whether a CSIDriver object of this name exists. */
  csiDriverExists(name: string): boolean;
  node(name: string): NodeView | undefined;
  /** Names of pods using the claim that are not scheduled yet. */
  unscheduledPods(claim: Pvc): string[];
}

export type ClaimDecision =
  | { action: 'bind'; volume: Pv; events: Ev[] }
  /** Stays (or becomes) Pending; `provisioner`: annotate the claim for it. */
  | { action: 'pending'; events: Ev[]; provisioner?: string }
  /** Phase Lost (events only when the phase changes). */
  | { action: 'lost'; events: Ev[] }
  /** Nothing can be done now; retried with backoff. */
  | { action: 'error'; message: string; events: Ev[] };

export const WAIT_FOR_FIRST_CONSUMER_MESSAGE = 'waiting for first consumer to be created before binding';
export const NO_CLASS_MESSAGE = 'no persistent volumes available for this claim and no storage class is set';

export const externalProvisioningMessage = (p: string) => `Waiting for a volume to be created either by the external provisioner '${p}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`;

/** gifee: said beside Kubernetes' message when nothing in the cluster answers to the class's provisioner. */
export const unknownProvisionerMessage = (cls: string, p: string) =>
  `storage class ${JSON.stringify(cls)} names provisioner ${JSON.stringify(p)}, but no CSIDriver ${JSON.stringify(p)} is installed in this cluster: the claim stays Pending until that driver (or an external provisioner of that name) runs. Check the name with "kubectl get csidrivers" and "kubectl get storageclass ${cls} -o yaml".`;

export const isDelayBinding = (c: Pvc, w: Pick<ClaimWorld, 'storageClass'>) => {
  const cls = claimClass(c);
  return cls !== '' && w.storageClass(cls)?.volumeBindingMode === 'WaitForFirstConsumer';
};

const ev = (on: Ev['on'], type: Ev['type'], reason: string, message: string): Ev => ({ on, type, reason, message });

export function decideClaim(c: Pvc, w: ClaimWorld): ClaimDecision {
  return hasAnnotation(c, ANN_BIND_COMPLETED) ? decideBoundClaim(c, w) : decideUnboundClaim(c, w);
}

function decideUnboundClaim(c: Pvc, w: ClaimWorld): ClaimDecision {
  const wanted = c.spec?.volumeName;
  if (wanted) {
    const v = w.volume(wanted);
    // The user asked for a volume that does not exist (yet): wait.
    if (!v) return { action: 'pending', events: [] };
    const ref = v.spec?.claimRef;
    if (!ref) {
      const why = volumeMismatch(v, c);
      if (why) return { action: 'pending', events: [ev('claim', 'Warning', 'VolumeMismatch', `Cannot bind to requested volume ${JSON.stringify(wanted)}: ${why}`)] };
      return { action: 'bind', volume: v, events: [] };
    }
    if (ref.name === c.metadata?.name && ref.namespace === c.metadata?.namespace && (!ref.uid || ref.uid === c.metadata?.uid)) return { action: 'bind', volume: v, events: [] };
    const msg = `volume ${JSON.stringify(wanted)} already bound to a different claim.`;
    if (!hasAnnotation(c, ANN_BOUND_BY_CONTROLLER)) return { action: 'pending', events: [ev('claim', 'Warning', 'FailedBinding', msg)] };
    return { action: 'error', message: `Invalid binding of claim ${JSON.stringify(claimKey(c))} to volume ${JSON.stringify(wanted)}: volume already claimed by ${JSON.stringify(claimRefKey(ref))}`, events: [ev('claim', 'Warning', 'FailedBinding', msg)] };
  }
  const delay = isDelayBinding(c, w);
  const selected = c.metadata?.annotations?.[ANN_SELECTED_NODE];
  const node = delay && selected ? w.node(selected) : undefined;
  const match = findMatchingVolume(c, w.volumes(), { delayBinding: delay, node });
  if (match) return { action: 'bind', volume: match, events: [] };
  if (delay && !selected) {
    const pods = w.unscheduledPods(c);
    if (pods.length === 0) return { action: 'pending', events: [ev('claim', 'Normal', 'WaitForFirstConsumer', WAIT_FOR_FIRST_CONSUMER_MESSAGE)] };
    const message = pods.length > 1 ? `waiting for pods ${pods.join(',')} to be scheduled` : `waiting for pod ${pods[0]} to be scheduled`;
    return { action: 'pending', events: [ev('claim', 'Normal', 'WaitForPodScheduled', message)] };
  }
  const cls = claimClass(c);
  if (cls === '') return { action: 'pending', events: [ev('claim', 'Normal', 'FailedBinding', NO_CLASS_MESSAGE)] };
  return provision(cls, w);
}

/** No volume fits: hand the claim to its class's provisioner (Kubernetes' provisionClaim, external path). */
function provision(cls: string, w: ClaimWorld): ClaimDecision {
  const sc = w.storageClass(cls);
  if (!sc) return { action: 'pending', events: [ev('claim', 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io ${JSON.stringify(cls)} not found`)] };
  const p = sc.provisioner ?? '';
  // gifee has no in-tree volume plugins: kubernetes.io/* provisioners (kubernetes.io/no-provisioner too) provision nothing.
  if (p === '' || p.startsWith('kubernetes.io/')) return { action: 'pending', events: [ev('claim', 'Warning', 'ProvisioningFailed', `no volume plugin matched name: ${p}`)] };
  const events = [ev('claim', 'Normal', 'ExternalProvisioning', externalProvisioningMessage(p))];
  if (!w.csiDriverExists(p)) events.push(ev('claim', 'Warning', 'ProvisionerNotFound', unknownProvisionerMessage(cls, p)));
  return { action: 'pending', events, provisioner: p };
}

function decideBoundClaim(c: Pvc, w: ClaimWorld): ClaimDecision {
  const name = c.spec?.volumeName;
  if (!name) return { action: 'lost', events: [ev('claim', 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!')] };
  const v = w.volume(name);
  if (!v) return { action: 'lost', events: [ev('claim', 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!')] };
  const ref = v.spec?.claimRef;
  // Unbound volume (or a cache behind our own write): bind again; correctly bound: make sure all is set.
  if (!ref || ref.uid === c.metadata?.uid) return { action: 'bind', volume: v, events: [] };
  return { action: 'lost', events: [ev('claim', 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly')] };
}

export interface VolumeWorld {
  claim(key: string): Pvc | undefined;
}

export type VolumeDecision =
  | { action: 'phase'; phase: 'Available' | 'Bound'; events: Ev[] }
  /** The claim is not bound yet: let the claim's sync finish (enqueue it). */
  | { action: 'syncClaim'; claimKey: string; events: Ev[] }
  /** The claim is gone: Released (unless Released or Failed already), then reclaim. */
  | { action: 'release'; reclaim: Reclaim }
  /** Bound by the controller to a claim bound elsewhere: undo (claimRef and annotation go; pre-bound by a user: only the uid). */
  | { action: 'unbind' };

export type Reclaim = { action: 'none' } | { action: 'fail'; message: string; event: Ev };

export const noDeleterMessage = (name: string) => `error getting deleter volume plugin for volume ${JSON.stringify(name)}: no deletable volume plugin matched`;
export const NO_RECYCLER_MESSAGE = 'No recycler plugin found for the volume!';

/** Kubernetes' reclaimVolume, for a volume without in-tree plugins: Retain keeps it, an external provisioner deletes its own, anything else fails. */
export function reclaimOf(v: Pv): Reclaim {
  const policy = v.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
  if (policy === 'Recycle') return { action: 'fail', message: NO_RECYCLER_MESSAGE, event: ev('volume', 'Warning', 'VolumeFailedRecycle', NO_RECYCLER_MESSAGE) };
  if (policy !== 'Delete') return { action: 'none' };
  const by = v.metadata?.annotations?.[ANN_PROVISIONED_BY];
  // The external provisioner that made it deletes it (and holds its finalizer until then).
  if (by && !by.startsWith('kubernetes.io/')) return { action: 'none' };
  const msg = noDeleterMessage(v.metadata?.name ?? '');
  return { action: 'fail', message: msg, event: ev('volume', 'Warning', 'VolumeFailedDelete', msg) };
}

export function decideVolume(v: Pv, w: VolumeWorld): VolumeDecision {
  const ref = v.spec?.claimRef;
  if (!ref) return { action: 'phase', phase: 'Available', events: [] };
  // Pre-bound to a claim that has not bound to it yet: the claim's sync will.
  if (!ref.uid) return { action: 'phase', phase: 'Available', events: [] };
  let c = w.claim(claimRefKey(ref));
  // Another claim of the same name: the one the volume was bound to is gone.
  if (c && c.metadata?.uid !== ref.uid) c = undefined;
  if (!c) return { action: 'release', reclaim: reclaimOf(v) };
  if (!c.spec?.volumeName) {
    if (volumeModeOf(c) !== volumeModeOf(v)) {
      return {
        action: 'syncClaim',
        claimKey: claimKey(c),
        events: [
          ev('volume', 'Warning', 'VolumeMismatch', `Cannot bind PersistentVolume to requested PersistentVolumeClaim ${JSON.stringify(c.metadata?.name ?? '')} due to incompatible volumeMode.`),
          ev('claim', 'Warning', 'VolumeMismatch', `Cannot bind PersistentVolume ${JSON.stringify(v.metadata?.name ?? '')} to requested PersistentVolumeClaim due to incompatible volumeMode.`),
        ],
      };
    }
    return { action: 'syncClaim', claimKey: claimKey(c), events: [] };
  }
  if (c.spec.volumeName === v.metadata?.name) return { action: 'phase', phase: 'Bound', events: [] };
  // The claim is bound to another volume.
  if (hasAnnotation(v, ANN_PROVISIONED_BY) && v.spec?.persistentVolumeReclaimPolicy === 'Delete') return { action: 'release', reclaim: reclaimOf(v) };
  return { action: 'unbind' };
}

/** The annotations a claim handed to `provisioner` carries (Kubernetes writes the beta key too). */
export function provisionerAnnotationsMissing(c: Pvc, provisioner: string): boolean {
  const a = c.metadata?.annotations ?? {};
  return a[ANN_STORAGE_PROVISIONER] !== provisioner || a[ANN_BETA_STORAGE_PROVISIONER] !== provisioner;
}
