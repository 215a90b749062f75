// A pod volume backed by a claim (persistentVolumeClaim, or a generic ephemeral volume whose claim
// the ephemeral volume controller names <pod>-<volume>), resolved to its bound PersistentVolume with
// the kubelet's checks and messages: the claim exists, belongs to the pod (ephemeral), is not being
// deleted, is bound, and the volume's mode fits how the pod's containers use it.

import type { Pod, Volume } from '../pods/types.js';
import { VolumeError } from './volume-error.js';

/** The parts of a PersistentVolumeClaim the agent reads. */
export interface ClaimObject {
  metadata?: { name?: string; uid?: string; deletionTimestamp?: string; ownerReferences?: { uid?: string; controller?: boolean }[] };
  spec?: { volumeName?: string; volumeMode?: string; accessModes?: string[] };
  status?: { phase?: string };
}

export interface SecretRef {
  name?: string;
  namespace?: string;
}

/** A PV's csi source (core/v1 CSIPersistentVolumeSource). */
export interface CsiPersistentSource {
  driver: string;
  volumeHandle: string;
  readOnly?: boolean;
  fsType?: string;
  volumeAttributes?: Record<string, string>;
  nodeStageSecretRef?: SecretRef;
  nodePublishSecretRef?: SecretRef;
}

/** The parts of a PersistentVolume the agent reads. */
export interface PersistentVolumeObject {
  metadata?: { name?: string };
  spec?: {
    hostPath?: { path: string; type?: string };
    local?: { path: string; fsType?: string };
    csi?: CsiPersistentSource;
    /** In-tree network sources (network-volumes.ts has their shapes). */
    nfs?: unknown;
    iscsi?: unknown;
    accessModes?: string[];
    volumeMode?: string;
    mountOptions?: string[];
  };
}

export type VolumeMode = 'Filesystem' | 'Block';

export interface ResolvedClaim {
  claimName: string;
  pvName: string;
  pv: PersistentVolumeObject;
  mode: VolumeMode;
  /** The pod asks for the volume read-only (persistentVolumeClaim.readOnly). */
  readOnly: boolean;
}

export interface ClaimSources {
  persistentVolumeClaim(namespace: string, name: string): Promise<ClaimObject | undefined>;
  persistentVolume(name: string): Promise<PersistentVolumeObject | undefined>;
}

/** The claim behind a pod volume, or undefined when the volume is not claim-backed. */
export function claimNameOf(pod: Pod, v: Volume): string | undefined {
  if (v.persistentVolumeClaim) return v.persistentVolumeClaim.claimName;
  if (v.ephemeral) return `${pod.metadata.name}-${v.name}`;
  return undefined;
}

export async function resolveClaim(pod: Pod, v: Volume, src: ClaimSources): Promise<ResolvedClaim | undefined> {
  const claimName = claimNameOf(pod, v);
  if (claimName === undefined) return undefined;
  const ns = pod.metadata.namespace;
  const pvc = await src.persistentVolumeClaim(ns, claimName);
  if (!pvc) throw new VolumeError(`persistentvolumeclaim "${claimName}" not found`);
  // An ephemeral volume's claim must be the one made for this pod, not a claim someone named alike.
  if (v.ephemeral && !(pvc.metadata?.ownerReferences ?? []).some((o) => o.controller && o.uid === pod.metadata.uid)) {
    throw new VolumeError(`PVC ${ns}/${claimName} was not created for pod ${ns}/${pod.metadata.name} (pod is not owner)`);
  }
  // Only a pod that has not started is refused: one already running here (an agent restart) keeps its claim until it ends, as pvc-protection intends.
  const started = pod.status?.phase && pod.status.phase !== 'Pending';
  if (pvc.metadata?.deletionTimestamp && !started) throw new VolumeError(`can't start pod because PVC ${ns}/${claimName} is being deleted`);
  const pvName = pvc.spec?.volumeName;
  if (!pvName || pvc.status?.phase !== 'Bound') throw new VolumeError(`persistentvolumeclaim "${claimName}" is not bound`);
  const pv = await src.persistentVolume(pvName);
  if (!pv) throw new VolumeError(`persistentvolume "${pvName}" not found`);
  const mode: VolumeMode = pv.spec?.volumeMode === 'Block' ? 'Block' : 'Filesystem';
  const conflict = volumeModeConflict(pod, v.name, mode);
  // The kubelet refuses such a pod before mounting anything (its desired state of world populator).
  if (conflict) throw new VolumeError(conflict, `Unable to attach or mount volumes: unmounted volumes=[${v.name}], failed to process volumes=[${v.name}]: ${conflict}`);
  return { claimName, pvName, pv, mode, readOnly: !!v.persistentVolumeClaim?.readOnly };
}

/** The kubelet's check that a Block volume is only used as a device and a Filesystem one only mounted. */
export function volumeModeConflict(pod: Pod, volumeName: string, mode: VolumeMode): string | undefined {
  const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const mounted = containers.some((c) => (c.volumeMounts ?? []).some((m) => m.name === volumeName));
  const device = containers.some((c) => (c.volumeDevices ?? []).some((d) => d.name === volumeName));
  if (mounted && mode !== 'Filesystem') return `volume ${volumeName} has volumeMode ${mode}, but is specified in volumeMounts`;
  if (device && mode !== 'Block') return `volume ${volumeName} has volumeMode ${mode}, but is specified in volumeDevices`;
  return undefined;
}
