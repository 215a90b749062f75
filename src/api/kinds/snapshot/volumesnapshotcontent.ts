// snapshot.storage.k8s.io/v1 VolumeSnapshotContent: a snapshot on the storage system, as a cluster
// object (what a PersistentVolume is to a claim). Made by the snapshot controller for a dynamic
// snapshot (source.volumeHandle: the volume to snapshot) or by an administrator for a snapshot that
// exists (source.snapshotHandle). Served as the external-snapshotter's CRD (v8): exactly one
// source handle, never changed or removed; volumeSnapshotRef names the VolumeSnapshot (name and
// namespace); sourceVolumeMode never changes once set; status written by the csi-snapshotter.

import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema, object } from '../../meta.js';
import { bool, enumOf, int64, str, time } from '../../schema.js';
import { celError, DELETION_POLICIES, exactlyOne, has, immutableField, nonEmptyClassName, objAt, requiredOnceSet, SNAPSHOT_GROUP, snapshotDefinition, specOf } from './common.js';

export interface VolumeSnapshotContentStatus {
  snapshotHandle?: string;
  /** Unix time in nanoseconds. */
  creationTime?: number;
  /** Bytes. */
  restoreSize?: number;
  readyToUse?: boolean;
  error?: { time?: string; message?: string };
  volumeGroupSnapshotHandle?: string;
}

export type VolumeSnapshotContent = KObject & {
  spec?: {
    deletionPolicy?: string;
    driver?: string;
    source?: { volumeHandle?: string; snapshotHandle?: string };
    sourceVolumeMode?: string;
    volumeSnapshotClassName?: string;
    volumeSnapshotRef?: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string; resourceVersion?: string; fieldPath?: string };
  };
  status?: VolumeSnapshotContentStatus;
};

export function validateVolumeSnapshotContent(o: KObject, old?: KObject): FieldError[] {
  const spec = specOf(o);
  const source = objAt(spec, 'source');
  const ref = objAt(spec, 'volumeSnapshotRef');
  const errs: FieldError[] = [];
  if (source) errs.push(...exactlyOne('spec.source', source, 'volumeHandle', 'snapshotHandle', 'exactly one of volumeHandle and snapshotHandle must be set'));
  if (ref && !(has(ref, 'name') && has(ref, 'namespace'))) errs.push(celError('spec.volumeSnapshotRef', 'object', 'both spec.volumeSnapshotRef.name and spec.volumeSnapshotRef.namespace must be set'));
  errs.push(...nonEmptyClassName('spec.volumeSnapshotClassName', spec));
  if (old) {
    const wasSpec = specOf(old);
    const was = objAt(wasSpec, 'source');
    if (source) {
      errs.push(...requiredOnceSet('spec.source', source, was, 'volumeHandle'));
      errs.push(...requiredOnceSet('spec.source', source, was, 'snapshotHandle'));
      errs.push(...immutableField('spec.source', source, was, 'volumeHandle', 'volumeHandle is immutable'));
      errs.push(...immutableField('spec.source', source, was, 'snapshotHandle', 'snapshotHandle is immutable'));
    }
    if (spec) {
      errs.push(...requiredOnceSet('spec', spec, wasSpec, 'sourceVolumeMode'));
      errs.push(...immutableField('spec', spec, wasSpec, 'sourceVolumeMode', 'sourceVolumeMode is immutable'));
    }
  }
  return errs;
}

const objectReference = object(
  {
    apiVersion: str('API version of the referent.'),
    fieldPath: str('A piece of the referent, if the reference is to one.'),
    kind: str('Kind of the referent.'),
    name: str('Name of the referent.'),
    namespace: str('Namespace of the referent.'),
    resourceVersion: str('The resourceVersion of the referent this reference was made at.'),
    uid: str('UID of the referent.'),
  },
  'The VolumeSnapshot this content is bound to; its spec.source.volumeSnapshotContentName (or status) must name this content for the binding to hold. Name and namespace are required for a pre-existing content.',
  { mapType: 'atomic' },
);

export const volumeSnapshotContent: KindDef = {
  group: SNAPSHOT_GROUP,
  version: 'v1',
  kind: 'VolumeSnapshotContent',
  plural: 'volumesnapshotcontents',
  singular: 'volumesnapshotcontent',
  namespaced: false,
  shortNames: ['vsc', 'vscs'],
  schema: kindSchema(
    snapshotDefinition('VolumeSnapshotContent'),
    'VolumeSnapshotContent represents the actual "on-disk" snapshot object in the underlying storage system. Cluster-scoped.',
    {
      spec: object(
        {
          deletionPolicy: enumOf(DELETION_POLICIES, 'Whether this content and its physical snapshot are deleted when its VolumeSnapshot is: "Delete" or "Retain". Required.'),
          driver: str('The CSI driver that took (or takes) the snapshot, as its GetPluginInfo names it. Required.'),
          source: object(
            {
              snapshotHandle: str('The CSI snapshot_id of a snapshot that exists on the storage system. Immutable.'),
              volumeHandle: str('The CSI volume_id of the volume to take a snapshot of. Immutable.'),
            },
            'Whether the snapshot is to be taken (volumeHandle) or exists (snapshotHandle): exactly one. Immutable. Required.',
          ),
          sourceVolumeMode: str('The mode of the volume the snapshot was taken of: Filesystem or Block; unset means unknown. Immutable.'),
          volumeSnapshotClassName: str('The VolumeSnapshotClass the snapshot was (or will be) created from.'),
          volumeSnapshotRef: objectReference,
        },
        'What the snapshot is and whom it belongs to. Required.',
        { required: ['deletionPolicy', 'driver', 'source', 'volumeSnapshotRef'] },
      ),
      status: object(
        {
          creationTime: int64('When the storage system took the snapshot, in Unix nanoseconds.'),
          error: object({ message: str('What went wrong (may be logged: holds no secrets).'), time: time('When the error was seen.') }, 'The last error seen while creating the snapshot; cleared on success.'),
          readyToUse: bool('Whether the snapshot can be used to restore a volume.'),
          restoreSize: int64('The complete size of the snapshot in bytes.', { minimum: 0 }),
          snapshotHandle: str('The CSI snapshot_id on the storage system; unset while the snapshot is being taken (or failed).'),
          volumeGroupSnapshotHandle: str('The CSI group_snapshot_id of the group snapshot this one belongs to, if any.'),
        },
        'What the csi-snapshotter observed.',
      ),
    },
    { required: ['spec'] },
  ),
  subresources: { status: true },
  hasGeneration: true,
  printerColumns: [
    { name: 'ReadyToUse', type: 'boolean', description: 'Indicates if the snapshot is ready to be used to restore a volume.', jsonPath: '.status.readyToUse' },
    { name: 'RestoreSize', type: 'integer', description: 'Represents the complete size of the snapshot in bytes', jsonPath: '.status.restoreSize' },
    { name: 'DeletionPolicy', type: 'string', description: 'Determines whether this VolumeSnapshotContent and its physical snapshot on the underlying storage system should be deleted when its bound VolumeSnapshot is deleted.', jsonPath: '.spec.deletionPolicy' },
    { name: 'Driver', type: 'string', description: 'Name of the CSI driver used to create the physical snapshot on the underlying storage system.', jsonPath: '.spec.driver' },
    { name: 'VolumeSnapshotClass', type: 'string', description: 'Name of the VolumeSnapshotClass to which this snapshot belongs.', jsonPath: '.spec.volumeSnapshotClassName' },
    { name: 'VolumeSnapshot', type: 'string', description: 'Name of the VolumeSnapshot object to which this VolumeSnapshotContent object is bound.', jsonPath: '.spec.volumeSnapshotRef.name' },
    { name: 'VolumeSnapshotNamespace', type: 'string', description: 'Namespace of the VolumeSnapshot object to which this VolumeSnapshotContent object is bound.', jsonPath: '.spec.volumeSnapshotRef.namespace' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  validate: validateVolumeSnapshotContent,
};
