// snapshot.storage.k8s.io/v1 VolumeSnapshot: a user's request for a point-in-time snapshot of a
// claim (source.persistentVolumeClaimName), or for binding to a snapshot that already exists
// (source.volumeSnapshotContentName). Served as the external-snapshotter's CRD (v8): exactly one
// source, which never changes; a class name, when given, is not empty; status written by the
// snapshot controller through the status subresource.

import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema, object } from '../../meta.js';
import { bool, intOrString, str, time } from '../../schema.js';
import { exactlyOne, immutableField, nonEmptyClassName, objAt, requiredOnceSet, SNAPSHOT_GROUP, snapshotDefinition, specOf } from './common.js';

export interface VolumeSnapshotStatus {
  boundVolumeSnapshotContentName?: string;
  creationTime?: string;
  readyToUse?: boolean;
  restoreSize?: string | number;
  error?: { time?: string; message?: string };
  volumeGroupSnapshotName?: string;
}

export type VolumeSnapshot = KObject & {
  spec?: { source?: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string }; volumeSnapshotClassName?: string };
  status?: VolumeSnapshotStatus;
};

/** The CRD's pattern for restoreSize (a quantity, written as a string). */
const QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
const QUANTITY_RE = new RegExp(QUANTITY_PATTERN);

const snapshotError = object(
  {
    message: str('What went wrong while creating the snapshot (may be logged: holds no secrets).'),
    time: time('When the error was seen.'),
  },
  'The last error seen while creating the snapshot; cleared on success.',
);

export function validateVolumeSnapshot(o: KObject, old?: KObject): FieldError[] {
  const spec = specOf(o);
  const source = objAt(spec, 'source');
  const errs: FieldError[] = [];
  if (source) {
    errs.push(...exactlyOne('spec.source', source, 'volumeSnapshotContentName', 'persistentVolumeClaimName', 'exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set'));
    if (old) {
      const was = objAt(specOf(old), 'source');
      errs.push(...requiredOnceSet('spec.source', source, was, 'persistentVolumeClaimName'));
      errs.push(...requiredOnceSet('spec.source', source, was, 'volumeSnapshotContentName'));
      errs.push(...immutableField('spec.source', source, was, 'persistentVolumeClaimName', 'persistentVolumeClaimName is immutable'));
      errs.push(...immutableField('spec.source', source, was, 'volumeSnapshotContentName', 'volumeSnapshotContentName is immutable'));
    }
  }
  errs.push(...nonEmptyClassName('spec.volumeSnapshotClassName', spec));
  const size = objAt(o, 'status')?.restoreSize;
  // The CRD's pattern, reported as the API server reports a failed pattern.
  if (typeof size === 'string' && !QUANTITY_RE.test(size)) errs.push({ field: 'status.restoreSize', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(size)}: status.restoreSize in body should match '${QUANTITY_PATTERN}'` });
  return errs;
}

export const volumeSnapshot: KindDef = {
  group: SNAPSHOT_GROUP,
  version: 'v1',
  kind: 'VolumeSnapshot',
  plural: 'volumesnapshots',
  singular: 'volumesnapshot',
  namespaced: true,
  shortNames: ['vs'],
  schema: kindSchema(
    snapshotDefinition('VolumeSnapshot'),
    "VolumeSnapshot is a user's request for either creating a point-in-time snapshot of a persistent volume, or binding to a pre-existing snapshot.",
    {
      spec: object(
        {
          source: object(
            {
              persistentVolumeClaimName: str("The claim (in the snapshot's namespace) to take a snapshot of, when the snapshot does not exist yet. Immutable."),
              volumeSnapshotContentName: str('The pre-existing VolumeSnapshotContent this snapshot represents. Immutable.'),
            },
            'Where the snapshot is taken from: exactly one of persistentVolumeClaimName and volumeSnapshotContentName. Immutable. Required.',
          ),
          volumeSnapshotClassName: str("The VolumeSnapshotClass to use; unset means the default class of the source volume's driver. Not empty when set."),
        },
        'What snapshot the user asks for. Required.',
        { required: ['source'] },
      ),
      status: object(
        {
          boundVolumeSnapshotContentName: str('The VolumeSnapshotContent this snapshot is bound to (verify that it points back before trusting it).'),
          creationTime: time('When the storage system took the point-in-time snapshot.'),
          error: snapshotError,
          readyToUse: bool('Whether the snapshot can be used to restore a volume.'),
          restoreSize: intOrString('The smallest volume size the snapshot can be restored to (a quantity).'),
          volumeGroupSnapshotName: str('The VolumeGroupSnapshot this snapshot belongs to, if any.'),
        },
        'What the snapshot controller observed. Consumers must check that snapshot and content point at each other.',
      ),
    },
    { required: ['spec'] },
  ),
  subresources: { status: true },
  hasGeneration: true,
  printerColumns: [
    { name: 'ReadyToUse', type: 'boolean', description: 'Indicates if the snapshot is ready to be used to restore a volume.', jsonPath: '.status.readyToUse' },
    { name: 'SourcePVC', type: 'string', description: 'If a new snapshot needs to be created, this contains the name of the source PVC from which this snapshot was (or will be) created.', jsonPath: '.spec.source.persistentVolumeClaimName' },
    { name: 'SourceSnapshotContent', type: 'string', description: 'If a snapshot already exists, this contains the name of the existing VolumeSnapshotContent object representing the existing snapshot.', jsonPath: '.spec.source.volumeSnapshotContentName' },
    { name: 'RestoreSize', type: 'string', description: 'Represents the minimum size of volume required to rehydrate from this snapshot.', jsonPath: '.status.restoreSize' },
    { name: 'SnapshotClass', type: 'string', description: 'The name of the VolumeSnapshotClass requested by the VolumeSnapshot.', jsonPath: '.spec.volumeSnapshotClassName' },
    { name: 'SnapshotContent', type: 'string', description: 'Name of the VolumeSnapshotContent object to which the VolumeSnapshot object intends to bind to.', jsonPath: '.status.boundVolumeSnapshotContentName' },
    { name: 'CreationTime', type: 'date', description: 'Timestamp when the point-in-time snapshot was taken by the underlying storage system.', jsonPath: '.status.creationTime' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  validate: validateVolumeSnapshot,
};
