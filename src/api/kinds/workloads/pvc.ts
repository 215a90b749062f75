// PersistentVolumeClaim shapes that pods and StatefulSets embed: the claim spec (ephemeral volumes,
// volumeClaimTemplates) and the whole claim object (StatefulSet templates carry apiVersion/kind/status).
// The PersistentVolumeClaim kind itself is served by the cluster kinds; they may reuse these schemas.

import { conditionsOf, kindSchema, labelSelector, objectMeta } from '../../meta.js';
import { enumOf, listOf, mapOf, str, struct, time } from '../../schema.js';
import { coreName as core, resourceList, typedLocalObjectReference, typedObjectReference, volumeResourceRequirements } from './refs.js';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

export const persistentVolumeClaimSpec = struct(core('PersistentVolumeClaimSpec'), 'What storage a claim asks for.', {
  accessModes: listOf(str(), 'Access modes wanted: ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod.'),
  selector: labelSelector,
  resources: volumeResourceRequirements,
  volumeName: str('Name of the PersistentVolume to bind to.'),
  storageClassName: str('StorageClass to provision from; empty string means none.'),
  volumeMode: enumOf(['Block', 'Filesystem'], 'Filesystem (default) or a raw Block device.', { default: 'Filesystem' }),
  dataSource: typedLocalObjectReference,
  dataSourceRef: typedObjectReference,
  volumeAttributesClassName: str('VolumeAttributesClass to apply to the volume.'),
});

export const persistentVolumeClaimCondition = struct(
  core('PersistentVolumeClaimCondition'),
  "One aspect of a claim's state, e.g. Resizing.",
  {
    type: str('Condition type.'),
    status: str('True, False or Unknown.'),
    lastProbeTime: time('Last time the condition was checked.'),
    lastTransitionTime: time('Last time the status changed.'),
    reason: str('Machine-readable reason for the last transition.'),
    message: str('Human-readable details.'),
  },
  { required: ['type', 'status'] },
);

export const modifyVolumeStatus = struct(
  core('ModifyVolumeStatus'),
  'Progress of applying a VolumeAttributesClass.',
  {
    targetVolumeAttributesClassName: str('Class being applied.'),
    status: str('Pending, InProgress or Infeasible.'),
  },
  { required: ['status'] },
);

export const persistentVolumeClaimStatus = struct(core('PersistentVolumeClaimStatus'), 'Observed state of a claim.', {
  phase: str('Pending, Bound or Lost.'),
  accessModes: listOf(str(), 'Access modes of the bound volume.'),
  capacity: resourceList('Capacity of the bound volume.'),
  conditions: conditionsOf(persistentVolumeClaimCondition, 'Conditions of the claim.'),
  allocatedResources: resourceList('Resources allocated to the claim, including pending expansions.'),
  allocatedResourceStatuses: mapOf(str(), 'Resize progress per resource.'),
  currentVolumeAttributesClassName: str('VolumeAttributesClass currently applied.'),
  modifyVolumeStatus: modifyVolumeStatus,
});

export const persistentVolumeClaim = kindSchema(core('PersistentVolumeClaim'), 'A request for storage, bound to a PersistentVolume.', {
  spec: persistentVolumeClaimSpec,
  status: persistentVolumeClaimStatus,
});

export const persistentVolumeClaimTemplate = struct(
  core('PersistentVolumeClaimTemplate'),
  'Template of the claim created for an ephemeral volume.',
  {
    metadata: objectMeta,
    spec: persistentVolumeClaimSpec,
  },
  { required: ['spec'] },
);
