// snapshot.storage.k8s.io/v1 VolumeSnapshotClass: which CSI driver takes snapshots of a class, with
// what parameters, and whether its snapshots outlive their VolumeSnapshot (deletionPolicy). Served
// as the external-snapshotter's CRD (v8) serves it: both driver and deletionPolicy required, no
// status, no further rules (v8 dropped the webhook that refused a second default class per driver;
// the snapshot controller now refuses to choose between two defaults instead).

import type { KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { enumOf, str, stringMap } from '../../schema.js';
import { DELETION_POLICIES, SNAPSHOT_GROUP, snapshotDefinition } from './common.js';

/** The annotation that makes a class its driver's default (for snapshots naming no class). */
export const DEFAULT_SNAPSHOT_CLASS_ANNOTATION = 'snapshot.storage.kubernetes.io/is-default-class';

export type VolumeSnapshotClass = KObject & { driver?: string; parameters?: Record<string, string>; deletionPolicy?: string };

export const isDefaultSnapshotClass = (o: KObject) => o.metadata?.annotations?.[DEFAULT_SNAPSHOT_CLASS_ANNOTATION] === 'true';

export const volumeSnapshotClass: KindDef = {
  group: SNAPSHOT_GROUP,
  version: 'v1',
  kind: 'VolumeSnapshotClass',
  plural: 'volumesnapshotclasses',
  singular: 'volumesnapshotclass',
  namespaced: false,
  shortNames: ['vsclass', 'vsclasses'],
  schema: kindSchema(
    snapshotDefinition('VolumeSnapshotClass'),
    'VolumeSnapshotClass specifies parameters that an underlying storage system uses when creating a volume snapshot. A VolumeSnapshot names one in spec.volumeSnapshotClassName. Cluster-scoped.',
    {
      driver: str('The name of the CSI driver that handles this class. Required.'),
      parameters: stringMap('Driver-specific parameters for creating snapshots, opaque to Kubernetes.'),
      deletionPolicy: enumOf(DELETION_POLICIES, 'Whether a VolumeSnapshotContent created through this class (and its physical snapshot) is deleted when its VolumeSnapshot is: "Delete" or "Retain". Required.'),
    },
    { required: ['deletionPolicy', 'driver'] },
  ),
  hasGeneration: true,
  printerColumns: [
    { name: 'Driver', type: 'string', jsonPath: '.driver' },
    { name: 'DeletionPolicy', type: 'string', description: 'Determines whether a VolumeSnapshotContent created through the VolumeSnapshotClass should be deleted when its bound VolumeSnapshot is deleted.', jsonPath: '.deletionPolicy' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};
