// core/v1 PersistentVolume and PersistentVolumeClaim: storage with a life of its own, and the claims
// pods use to get it.

import { rfc3339 } from '../../../util/time.js';
import { normalizeDataSources, validateDataSources } from './pvc-data-source.js';
import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { conditionsOf, kindSchema, labelSelector } from '../../meta.js';
import { persistentVolumeClaimCondition } from '../workloads/pvc.js';
import { enumOf, listOf, mapOf, quantity, setOf, str, struct, time } from '../../schema.js';
import { csiPersistentSource, hostPathSource, legacySources, localSource, nfsSource } from '../volume-sources.js';
import { objectReference, typedLocalObjectReference } from './refs.js';
import { age as ageOf } from '../../table.js';
import { dropDisabledVolumeSpecFields } from '../workloads/disabled-fields.js';
import { persistentVolumeClaimWarnings, persistentVolumeWarnings } from './storage-warnings.js';
import { validatePersistentVolumeClaimUpdate } from './pvc-update.js';
import { validatePersistentVolumeUpdate } from './pv-update.js';

const resourceList = (d: string) => mapOf(quantity(), d);
const accessModes = setOf(enumOf(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod']), 'How the volume can be mounted.');

const nodeSelectorRequirement = struct(
  'io.k8s.api.core.v1.NodeSelectorRequirement',
  'A node label requirement.',
  {
    key: str('Label key.'),
    operator: enumOf(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
    values: listOf(str()),
  },
  { required: ['key', 'operator'] },
);
export const nodeSelectorTerm = struct(
  'io.k8s.api.core.v1.NodeSelectorTerm',
  'Requirements ANDed together.',
  {
    matchExpressions: listOf(nodeSelectorRequirement, 'By node labels.'),
    matchFields: listOf(nodeSelectorRequirement, 'By node fields.'),
  },
  { mapType: 'atomic' },
);
export const nodeSelector = struct(
  'io.k8s.api.core.v1.NodeSelector',
  'Terms ORed together; a node matching any term is selected.',
  {
    nodeSelectorTerms: listOf(nodeSelectorTerm, 'The terms.'),
  },
  { required: ['nodeSelectorTerms'], mapType: 'atomic' },
);

// A PersistentVolumeSource has the in-tree plugins a pod volume has, except gitRepo (a checkout
// made for one pod), and none of the pod-scoped sources (emptyDir, secret, configMap, downwardAPI,
// projected, ephemeral, image): in the schema they are unknown fields, refused or dropped by the
// request's field validation, and then 'must specify a volume type' as Kubernetes answers.
const { gitRepo: _podOnly, ...pvLegacySources } = legacySources;
const PV_SOURCES = ['hostPath', 'nfs', 'local', 'csi', ...Object.keys(pvLegacySources)];

type Pv = KObject & { spec?: Record<string, unknown> & { capacity?: Record<string, string>; accessModes?: string[]; persistentVolumeReclaimPolicy?: string; claimRef?: { namespace?: string; name?: string }; storageClassName?: string; volumeAttributesClassName?: string }; status?: { phase?: string; reason?: string } };
const modes = (m?: string[]) => (m ?? []).map((x) => ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[x] ?? x).join(',');

export const persistentVolume: KindDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  schema: kindSchema('io.k8s.api.core.v1.PersistentVolume', 'A piece of storage in the cluster, bound to at most one claim.', {
    spec: struct('io.k8s.api.core.v1.PersistentVolumeSpec', "The volume's source, size and policies.", {
      capacity: resourceList("The volume's size (storage)."),
      hostPath: hostPathSource,
      nfs: nfsSource,
      local: localSource,
      csi: csiPersistentSource,
      ...pvLegacySources,
      accessModes,
      claimRef: objectReference,
      persistentVolumeReclaimPolicy: enumOf(['Retain', 'Delete', 'Recycle'], 'What happens when its claim is released (default Retain).'),
      storageClassName: str('Storage class it belongs to.'),
      mountOptions: listOf(str(), 'Mount options.'),
      volumeMode: enumOf(['Filesystem', 'Block'], 'Filesystem (default) or raw Block.'),
      nodeAffinity: struct('io.k8s.api.core.v1.VolumeNodeAffinity', 'Nodes that can reach the volume.', { required: nodeSelector }),
      volumeAttributesClassName: str('Volume attributes class.'),
    }),
    status: struct('io.k8s.api.core.v1.PersistentVolumeStatus', 'The observed state of a volume.', {
      phase: enumOf(['Pending', 'Available', 'Bound', 'Released', 'Failed'], 'Where the volume is in its life.'),
      message: str(),
      reason: str(),
      lastPhaseTransitionTime: time(),
    }),
  }),
  subresources: { status: true },
  printerColumns: [
    { name: 'Capacity', type: 'string', cell: (o) => (o as Pv).spec?.capacity?.storage ?? '' },
    { name: 'Access Modes', type: 'string', cell: (o) => modes((o as Pv).spec?.accessModes) },
    { name: 'Reclaim Policy', type: 'string', cell: (o) => (o as Pv).spec?.persistentVolumeReclaimPolicy ?? '' },
    // As Kubernetes' printer: an object being deleted shows Terminating whatever its phase.
    { name: 'Status', type: 'string', cell: (o) => (o.metadata?.deletionTimestamp ? 'Terminating' : ((o as Pv).status?.phase ?? '')) },
    {
      name: 'Claim',
      type: 'string',
      cell: (o) => {
        const c = (o as Pv).spec?.claimRef;
        return c ? `${c.namespace}/${c.name}` : '';
      },
    },
    { name: 'StorageClass', type: 'string', cell: (o) => (o as Pv).spec?.storageClassName ?? '' },
    { name: 'VolumeAttributesClass', type: 'string', cell: (o) => (o as Pv).spec?.volumeAttributesClassName ?? '<unset>' },
    { name: 'Reason', type: 'string', cell: (o) => (o as Pv).status?.reason ?? '' },
    { name: 'Age', type: 'string', cell: (o) => ageOf(o.metadata?.creationTimestamp) },
    { name: 'VolumeMode', type: 'string', priority: 1, cell: (o) => ((o as Pv).spec?.volumeMode as string) ?? '' },
  ],
  default: (o) => {
    const s = ((o as Pv).spec ??= {});
    s.persistentVolumeReclaimPolicy ??= 'Retain';
    s.volumeMode ??= 'Filesystem';
    const st = ((o as Pv).status ??= {});
    st.phase ??= 'Pending';
  },
  // Kubernetes' PrepareForCreate: a new volume is Pending since now (the PV controller records later transitions).
  initialStatus: () => ({ phase: 'Pending', lastPhaseTransitionTime: rfc3339() }),
  prepareCreate: (o) => dropDisabledVolumeSpecFields(o.spec),
  prepareUpdate: (o, old) => dropDisabledVolumeSpecFields(o.spec, old.spec),
  warnings: (o) => persistentVolumeWarnings(o),
  validate: (o, old) => {
    const s = (o as Pv).spec ?? {};
    const errs: FieldError[] = [];
    const sources = PV_SOURCES.filter((k) => s[k] !== undefined);
    if (sources.length === 0) errs.push(fieldErr.required('spec', 'must specify a volume type'));
    if (sources.length > 1) errs.push(fieldErr.forbidden(`spec.${sources[1]}`, 'may not specify more than 1 volume type'));
    if (!s.accessModes?.length) errs.push(fieldErr.required('spec.accessModes'));
    if (!s.capacity?.storage) errs.push(fieldErr.required('spec.capacity'));
    if (old) errs.push(...validatePersistentVolumeUpdate(o, old, PV_SOURCES));
    return errs;
  },
};

type Pvc = KObject & { spec?: { accessModes?: string[]; resources?: { requests?: Record<string, string> }; storageClassName?: string; volumeName?: string; volumeMode?: string; volumeAttributesClassName?: string }; status?: { phase?: string; capacity?: Record<string, string>; accessModes?: string[] } };

export const persistentVolumeClaim: KindDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  schema: kindSchema('io.k8s.api.core.v1.PersistentVolumeClaim', 'A request for storage, bound to a PersistentVolume.', {
    spec: struct('io.k8s.api.core.v1.PersistentVolumeClaimSpec', 'What storage is asked for.', {
      accessModes,
      selector: labelSelector,
      resources: struct('io.k8s.api.core.v1.VolumeResourceRequirements', 'How much storage.', { limits: resourceList('Maximum.'), requests: resourceList('Minimum (storage).') }),
      volumeName: str('Bind to this PersistentVolume.'),
      storageClassName: str('Storage class to provision from.'),
      volumeMode: enumOf(['Filesystem', 'Block'], 'Filesystem (default) or raw Block.'),
      dataSource: typedLocalObjectReference,
      dataSourceRef: struct('io.k8s.api.core.v1.TypedObjectReference', 'Where to populate the volume from.', { apiGroup: str(), kind: str(), name: str(), namespace: str() }, { required: ['kind', 'name'] }),
      volumeAttributesClassName: str('Volume attributes class.'),
    }),
    status: struct('io.k8s.api.core.v1.PersistentVolumeClaimStatus', 'The observed state of a claim.', {
      phase: enumOf(['Pending', 'Bound', 'Lost'], 'Where the claim is in its life.'),
      accessModes,
      capacity: resourceList('Actual size of the bound volume.'),
      // PersistentVolumeClaimCondition (type and status required), not meta/v1 Condition: the resizer and
      // the node write FileSystemResizePending and Resizing without a reason or message.
      conditions: conditionsOf(persistentVolumeClaimCondition),
      allocatedResources: resourceList(''),
      allocatedResourceStatuses: mapOf(str(), ''),
      currentVolumeAttributesClassName: str(),
      modifyVolumeStatus: struct('io.k8s.api.core.v1.ModifyVolumeStatus', '', { targetVolumeAttributesClassName: str(), status: str() }),
    }),
  }),
  subresources: { status: true },
  printerColumns: [
    { name: 'Status', type: 'string', cell: (o) => (o.metadata?.deletionTimestamp ? 'Terminating' : ((o as Pvc).status?.phase ?? '')) },
    { name: 'Volume', type: 'string', cell: (o) => (o as Pvc).spec?.volumeName ?? '' },
    { name: 'Capacity', type: 'string', cell: (o) => (o as Pvc).status?.capacity?.storage ?? '' },
    { name: 'Access Modes', type: 'string', cell: (o) => modes((o as Pvc).status?.accessModes) },
    { name: 'StorageClass', type: 'string', cell: (o) => (o as Pvc).spec?.storageClassName ?? '' },
    { name: 'VolumeAttributesClass', type: 'string', cell: (o) => (o as Pvc).spec?.volumeAttributesClassName ?? '<unset>' },
    { name: 'Age', type: 'string', cell: (o) => ageOf(o.metadata?.creationTimestamp) },
    { name: 'VolumeMode', type: 'string', priority: 1, cell: (o) => (o as Pvc).spec?.volumeMode ?? '' },
  ],
  default: (o) => {
    const s = ((o as Pvc).spec ??= {});
    s.volumeMode ??= 'Filesystem';
    ((o as Pvc).status ??= {}).phase ??= 'Pending';
  },
  prepareCreate: (o) => {
    dropDisabledVolumeSpecFields(o.spec);
    normalizeDataSources(o);
  },
  prepareUpdate: (o, old) => dropDisabledVolumeSpecFields(o.spec, old.spec),
  warnings: (o) => persistentVolumeClaimWarnings(o),
  validate: (o, old) => {
    const s = (o as Pvc).spec ?? {};
    const errs: FieldError[] = [];
    if (!s.accessModes?.length) errs.push(fieldErr.required('spec.accessModes', 'at least 1 access mode is required'));
    if (!s.resources?.requests?.storage) errs.push(fieldErr.required('spec.resources[storage]'));
    if (old) errs.push(...validatePersistentVolumeClaimUpdate(o, old));
    errs.push(...validateDataSources(s));
    return errs;
  },
};
