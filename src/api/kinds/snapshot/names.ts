// The external-snapshotter's finalizers and annotations, spelled once: shared by the snapshot
// controller (src/controllers/snapshot), the node-side csi-snapshotter (src/storage/snapshot-sidecar.ts)
// and whoever restores claims from snapshots (part of the API's vocabulary, hence here).

import { ANN_PROVISIONED_ON_NODE } from '../../storage-names.js';

/** On a VolumeSnapshot: it may not go while a claim is being restored from it. */
export const FINALIZER_SNAPSHOT_AS_SOURCE = 'snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection';
/** On a VolumeSnapshot bound to a content: the controller settles the content before it goes. */
export const FINALIZER_SNAPSHOT_BOUND = 'snapshot.storage.kubernetes.io/volumesnapshot-bound-protection';
/** On a VolumeSnapshotContent bound to a snapshot: removed once the binding ends (and, for Delete, once the physical snapshot is gone). */
export const FINALIZER_CONTENT_BOUND = 'snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection';
/** On a PersistentVolumeClaim while a snapshot of it is being taken. */
export const FINALIZER_PVC_AS_SOURCE = 'snapshot.storage.kubernetes.io/pvc-as-source-protection';

/** Controller -> content: its VolumeSnapshot is gone (or going), so a Delete content's physical snapshot may be deleted. */
export const ANN_SNAPSHOT_BEING_DELETED = 'snapshot.storage.kubernetes.io/volumesnapshot-being-deleted';

/** CSI CreateSnapshot's name: this prefix and the VolumeSnapshot's uid (the external-snapshotter's default). */
export const SNAPSHOT_NAME_PREFIX = 'snapshot';
/** A dynamic snapshot's content: this prefix and the VolumeSnapshot's uid. */
export const CONTENT_NAME_PREFIX = 'snapcontent';

/** VolumeSnapshotClass parameters with this prefix are for the sidecar (secrets), not passed to the driver. */
export const CSI_PARAMETER_PREFIX = 'csi.storage.k8s.io/';

/**
 * gifee: the node whose agent provisioned a volume (on its PV), copied by the snapshot controller
 * onto the volume's snapshot contents: that node's csi-snapshotter takes (and deletes) the snapshot.
 */
export const ANN_NODE_OF_VOLUME = ANN_PROVISIONED_ON_NODE;
