// snapshot.storage.k8s.io/v1: volume snapshots, built in (Kubernetes serves them from the
// external-snapshotter's CRDs; gifee compiles the same kinds and rules in, so snapshots work on a
// fresh cluster). The snapshot controller (src/controllers/snapshot) and the node-side
// csi-snapshotter (src/storage/snapshot-sidecar.ts) act on them.
import type { KindDef } from '../../kind.js';
import { volumeSnapshot } from './volumesnapshot.js';
import { volumeSnapshotClass } from './volumesnapshotclass.js';
import { volumeSnapshotContent } from './volumesnapshotcontent.js';

export { DEFAULT_SNAPSHOT_CLASS_ANNOTATION, isDefaultSnapshotClass, type VolumeSnapshotClass } from './volumesnapshotclass.js';
export type { VolumeSnapshot, VolumeSnapshotStatus } from './volumesnapshot.js';
export type { VolumeSnapshotContent, VolumeSnapshotContentStatus } from './volumesnapshotcontent.js';
export { SNAPSHOT_API_VERSION, SNAPSHOT_GROUP } from './common.js';
export const snapshotKinds: KindDef[] = [volumeSnapshotClass, volumeSnapshot, volumeSnapshotContent];
export * from './names.js';
