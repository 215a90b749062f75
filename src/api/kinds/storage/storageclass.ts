// storage.k8s.io/v1 StorageClass: a kind of storage volumes can be provisioned from (the provisioner
// and its parameters, what happens to volumes when released, when they are bound). Provisioning
// itself comes with the storage controllers; here the class is accepted, validated and stored as
// Kubernetes does. `kubectl get sc` marks the default class after its name, as Kubernetes' printer.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { storageClassWarnings } from './warnings.js';
import { kindSchema } from '../../meta.js';
import { bool, enumOf, listOf, str, stringMap } from '../../schema.js';
import { deepEqual } from '../../../util/equal.js';
import { checkQualifiedName, isObj } from '../workloads/checks.js';
import { topologySelectorTerm, validateAllowedTopologies } from './topology.js';

export const DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
/** The beta annotation Kubernetes still honours. */
export const BETA_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

export const isDefaultStorageClass = (o: KObject) => {
  const a = o.metadata?.annotations ?? {};
  return a[DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true' || a[BETA_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true';
};

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

type SC = KObject & { provisioner?: string; parameters?: Record<string, string>; reclaimPolicy?: string; volumeBindingMode?: string; allowVolumeExpansion?: boolean; allowedTopologies?: unknown };

function validateParameters(params: unknown): FieldError[] {
  if (!isObj(params)) return [];
  const entries = Object.entries(params);
  if (entries.length > MAX_PARAMETERS) return [fieldErr.tooLong('parameters', MAX_PARAMETERS)];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of entries) {
    if (k.length < 1) errs.push(fieldErr.invalid('parameters', k, 'field can not be empty.'));
    size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (size > MAX_PARAMETERS_SIZE) errs.push(fieldErr.tooLong('parameters', MAX_PARAMETERS_SIZE));
  return errs;
}

export function validateStorageClass(o: KObject, old?: KObject): FieldError[] {
  const sc = o as SC;
  const errs: FieldError[] = [];
  const provisioner = typeof sc.provisioner === 'string' ? sc.provisioner : '';
  if (provisioner === '') errs.push(fieldErr.required('provisioner'));
  // Kubernetes checks (and shows) the lower-cased name.
  else errs.push(...checkQualifiedName('provisioner', provisioner.toLowerCase()));
  errs.push(...validateParameters(sc.parameters));
  if (typeof sc.reclaimPolicy === 'string' && sc.reclaimPolicy !== '' && !RECLAIM_POLICIES.includes(sc.reclaimPolicy)) errs.push(fieldErr.notSupported('reclaimPolicy', sc.reclaimPolicy, RECLAIM_POLICIES));
  // Unsupported modes are the schema's enum error.
  if (sc.volumeBindingMode === undefined || sc.volumeBindingMode === null) errs.push(fieldErr.required('volumeBindingMode'));
  errs.push(...validateAllowedTopologies(sc.allowedTopologies, 'allowedTopologies'));
  if (old) {
    const was = old as SC;
    if (!deepEqual(was.parameters ?? {}, sc.parameters ?? {})) errs.push(fieldErr.forbidden('parameters', 'updates to parameters are forbidden.'));
    if (was.provisioner !== sc.provisioner) errs.push(fieldErr.forbidden('provisioner', 'updates to provisioner are forbidden.'));
    if (was.reclaimPolicy !== sc.reclaimPolicy) errs.push(fieldErr.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
    if (was.volumeBindingMode !== sc.volumeBindingMode) errs.push(fieldErr.invalid('volumeBindingMode', sc.volumeBindingMode, 'field is immutable'));
  }
  return errs;
}

export const storageClass: KindDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  plural: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  schema: {
    ...kindSchema('io.k8s.api.storage.v1.StorageClass', 'A class of storage that PersistentVolumes can be dynamically provisioned from. Cluster-scoped.', {
      provisioner: str('The volume plugin (CSI driver) that provisions volumes of this class. Immutable.'),
      parameters: stringMap('Parameters for the provisioner (at most 512, 256 KiB in all). Immutable.'),
      reclaimPolicy: str('What happens to provisioned volumes when their claim is released: Delete (default) or Retain. Immutable.'),
      mountOptions: listOf(str(), 'Mount options of provisioned volumes, e.g. ["ro", "soft"]; not validated.'),
      allowVolumeExpansion: bool('Whether claims of this class may be resized.'),
      volumeBindingMode: enumOf(BINDING_MODES, 'When claims are bound and provisioned: Immediate (default) or WaitForFirstConsumer (once a pod uses the claim).'),
      allowedTopologies: listOf(topologySelectorTerm, 'Node topologies volumes may be provisioned in; empty means anywhere.'),
    }),
    documentedRequired: ['provisioner'],
  },
  printerColumns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name of the class; "(default)" marks the default class.', cell: (o) => `${o.metadata?.name ?? ''}${isDefaultStorageClass(o) ? ' (default)' : ''}` },
    { name: 'Provisioner', type: 'string', description: 'The volume plugin that provisions its volumes.', cell: (o) => (o as SC).provisioner ?? '' },
    { name: 'ReclaimPolicy', type: 'string', description: 'What happens to released volumes.', cell: (o) => (o as SC).reclaimPolicy ?? 'Delete' },
    { name: 'VolumeBindingMode', type: 'string', description: 'When claims are bound.', cell: (o) => (o as SC).volumeBindingMode ?? 'Immediate' },
    { name: 'AllowVolumeExpansion', type: 'string', description: 'Whether claims may be resized.', cell: (o) => String((o as SC).allowVolumeExpansion === true) },
  ],
  default: (o) => {
    const sc = o as SC;
    sc.reclaimPolicy ??= 'Delete';
    sc.volumeBindingMode ??= 'Immediate';
  },
  validate: validateStorageClass,
  warnings: storageClassWarnings,
};
