// What a dynamic snapshot needs before its content can be made, as the snapshot controller works it
// out: the source claim (bound, not being deleted), its PersistentVolume (a CSI volume bound back
// to the claim) and the VolumeSnapshotClass (the one named, or the single default of the volume's
// driver, which must match the volume's driver). Pure: lookups come from the caller's caches, and
// every refusal is a SnapshotProblem with the event reason and a message a user can act on.

import type { KObject } from '../../api/kind.js';
import { isDefaultSnapshotClass, type VolumeSnapshot, type VolumeSnapshotClass } from '../../api/kinds/snapshot/index.js';

export class SnapshotProblem extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export type Pvc = KObject & { spec?: { volumeName?: string; dataSource?: DataSource; dataSourceRef?: DataSource & { namespace?: string } }; status?: { phase?: string } };
export type Pv = KObject & { spec?: { csi?: { driver?: string; volumeHandle?: string }; volumeMode?: string; claimRef?: { namespace?: string; name?: string; uid?: string } } };
type DataSource = { apiGroup?: string; kind?: string; name?: string };

export interface Lookups {
  pvc(namespace: string, name: string): Pvc | undefined;
  pv(name: string): Pv | undefined;
  snapshotClass(name: string): VolumeSnapshotClass | undefined;
  snapshotClasses(): VolumeSnapshotClass[];
}

export interface CreateInput {
  pvc: Pvc;
  pv: Pv;
  driver: string;
  volumeHandle: string;
  snapshotClass: VolumeSnapshotClass;
  /** Set when the snapshot named no class and the driver's default was chosen (the controller writes it into the spec). */
  defaultedClass?: string;
}

const CREATION_FAILED = 'SnapshotContentCreationFailed';
const DEFAULT_CLASS_FAILED = 'SetDefaultSnapshotClassFailed';

export function createInput(snapshot: VolumeSnapshot, l: Lookups): CreateInput {
  const ns = snapshot.metadata?.namespace ?? '';
  const name = snapshot.metadata?.name ?? '';
  const pvcName = snapshot.spec?.source?.persistentVolumeClaimName ?? '';
  const fail = (reason: string, why: string) => new SnapshotProblem(reason, reason === CREATION_FAILED ? `Failed to create snapshot content with error failed to get input parameters to create snapshot ${name}: ${why}` : `Failed to set default snapshot class with error ${why}`);
  const pvc = l.pvc(ns, pvcName);
  if (!pvc) throw fail(CREATION_FAILED, `persistentvolumeclaim "${pvcName}" not found`);
  if (pvc.metadata?.deletionTimestamp) throw fail(CREATION_FAILED, `the PVC ${pvcName} is being deleted, will not attempt to take a snapshot`);
  const pvName = pvc.spec?.volumeName;
  if (pvc.status?.phase !== 'Bound' || !pvName) throw fail(CREATION_FAILED, `the PVC ${pvcName} is not yet bound to a PV, will not attempt to take a snapshot`);
  const pv = l.pv(pvName);
  if (!pv) throw fail(CREATION_FAILED, `persistentvolume "${pvName}" not found`);
  const ref = pv.spec?.claimRef;
  if (ref?.name !== pvcName || ref?.namespace !== ns || (ref.uid && ref.uid !== pvc.metadata?.uid)) throw fail(CREATION_FAILED, `the PVC ${pvcName} is not yet bound to a PV, will not attempt to take a snapshot`);
  const driver = pv.spec?.csi?.driver;
  const volumeHandle = pv.spec?.csi?.volumeHandle;
  if (!driver || !volumeHandle) throw fail(CREATION_FAILED, `the PV ${pvName} is not provisioned by a CSI driver: only CSI volumes can be snapshotted`);

  const className = snapshot.spec?.volumeSnapshotClassName;
  if (className) {
    const cls = l.snapshotClass(className);
    if (!cls) throw fail(CREATION_FAILED, `volumesnapshotclass.snapshot.storage.k8s.io "${className}" not found`);
    if (cls.driver !== driver) throw fail(CREATION_FAILED, `VolumeSnapshotClass ${className} is for driver ${cls.driver}, but the volume of PVC ${pvcName} belongs to driver ${driver}`);
    return { pvc, pv, driver, volumeHandle, snapshotClass: cls };
  }
  const defaults = l.snapshotClasses().filter((c) => c.driver === driver && isDefaultSnapshotClass(c));
  if (defaults.length === 0) throw fail(DEFAULT_CLASS_FAILED, `cannot find default snapshot class for driver ${driver}`);
  if (defaults.length > 1) throw fail(DEFAULT_CLASS_FAILED, `${defaults.length} default snapshot classes were found for driver ${driver}`);
  return { pvc, pv, driver, volumeHandle, snapshotClass: defaults[0], defaultedClass: defaults[0].metadata?.name };
}

/** Whether a claim names the snapshot as its data source (then it may be being restored from it). */
export function restoresFrom(pvc: Pvc, namespace: string, snapshotName: string): boolean {
  const names = (d: DataSource | undefined) => !!d && d.kind === 'VolumeSnapshot' && d.apiGroup === 'snapshot.storage.k8s.io' && d.name === snapshotName;
  const refNs = pvc.spec?.dataSourceRef?.namespace;
  return pvc.metadata?.namespace === namespace && (names(pvc.spec?.dataSource) || (names(pvc.spec?.dataSourceRef) && (!refNs || refNs === namespace)));
}
