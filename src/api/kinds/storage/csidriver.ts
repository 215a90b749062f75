// storage.k8s.io/v1 CSIDriver: what a CSI volume driver installed in the cluster needs from
// Kubernetes (attach, pod info on mount, capacity tracking, tokens...). Stored and validated as
// Kubernetes does; the storage issue's components act on it.

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { bool, int64, listOf, str, struct } from '../../schema.js';
import { deepEqual } from '../../../util/equal.js';
import { isObj, objects } from '../workloads/checks.js';

const FS_GROUP_POLICIES = ['File', 'None', 'ReadWriteOnceWithFSType'];
const LIFECYCLE_MODES = ['Persistent', 'Ephemeral'];
const MIN_TOKEN_SECONDS = 600;

const tokenRequest = struct(
  'io.k8s.api.storage.v1.TokenRequest',
  'A service account token the driver receives for a pod, with this audience.',
  {
    audience: str('Audience of the token.'),
    expirationSeconds: int64('Lifetime of the token (at least 10 minutes).'),
  },
  { required: ['audience'] },
);

const csiDriverSpec = struct('io.k8s.api.storage.v1.CSIDriverSpec', 'What the driver needs from Kubernetes.', {
  attachRequired: bool('Whether volumes need an attach step (ControllerPublishVolume); default true. Immutable.'),
  podInfoOnMount: bool('Whether the driver gets the pod name, namespace, uid and service account when mounting; default false.'),
  // A set without a patch strategy, as Kubernetes declares it: patches replace it whole.
  volumeLifecycleModes: { type: 'array', items: str(), listType: 'set', description: 'Persistent and/or Ephemeral (inline) volumes; default [Persistent]. Immutable.' },
  storageCapacity: bool('Whether the scheduler considers CSIStorageCapacity objects for this driver; default false.'),
  fsGroupPolicy: str('Whether the fsGroup of a pod is applied to its volumes: ReadWriteOnceWithFSType (default), File or None.'),
  tokenRequests: listOf(tokenRequest, 'Service account tokens passed to the driver on NodePublishVolume.'),
  requiresRepublish: bool('Whether NodePublishVolume is called again periodically (to refresh tokens); default false.'),
  seLinuxMount: bool('Whether the driver supports the -o context mount option; default false.'),
});

type Spec = { attachRequired?: boolean; podInfoOnMount?: boolean; volumeLifecycleModes?: string[]; storageCapacity?: boolean; fsGroupPolicy?: string; tokenRequests?: unknown; requiresRepublish?: boolean; seLinuxMount?: boolean };
const specOf = (o: KObject): Spec => (isObj(o.spec) ? (o.spec as Spec) : {});

function validateTokenRequests(list: unknown, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const audiences = new Set<string>();
  objects(list).forEach((t, i) => {
    const audience = typeof t.audience === 'string' ? t.audience : '';
    if (audiences.has(audience)) {
      errs.push(fieldErr.duplicate(`${p}[${i}].audience`, audience));
      return;
    }
    audiences.add(audience);
    if (typeof t.expirationSeconds !== 'number') return;
    if (t.expirationSeconds < MIN_TOKEN_SECONDS) errs.push(fieldErr.invalid(`${p}[${i}].expirationSeconds`, t.expirationSeconds, 'may not specify a duration less than 10 minutes'));
    if (t.expirationSeconds > 2 ** 32) errs.push(fieldErr.invalid(`${p}[${i}].expirationSeconds`, t.expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
  });
  return errs;
}

export function validateCSIDriver(o: KObject, old?: KObject): FieldError[] {
  const s = specOf(o);
  const errs: FieldError[] = [];
  // Kubernetes' own (misspelt) path for attachRequired.
  if (typeof s.attachRequired !== 'boolean') errs.push(fieldErr.required('spec.attachedRequired'));
  if (typeof s.podInfoOnMount !== 'boolean') errs.push(fieldErr.required('spec.podInfoOnMount'));
  if (typeof s.storageCapacity !== 'boolean') errs.push(fieldErr.required('spec.storageCapacity'));
  if (typeof s.fsGroupPolicy === 'string' && !FS_GROUP_POLICIES.includes(s.fsGroupPolicy)) errs.push(fieldErr.notSupported('spec.fsGroupPolicy', s.fsGroupPolicy, FS_GROUP_POLICIES));
  errs.push(...validateTokenRequests(s.tokenRequests, 'spec.tokenRequests'));
  for (const m of Array.isArray(s.volumeLifecycleModes) ? s.volumeLifecycleModes : []) {
    if (!LIFECYCLE_MODES.includes(m)) errs.push(fieldErr.notSupported('spec.volumeLifecycleModes', m, LIFECYCLE_MODES));
  }
  if (old) {
    const was = specOf(old);
    const immutable = (field: string, a: unknown, b: unknown) => {
      if (!deepEqual(a ?? null, b ?? null)) errs.push(fieldErr.invalid(`spec.${field}`, a ?? null, 'field is immutable'));
    };
    // fsGroupPolicy and podInfoOnMount are mutable since Kubernetes 1.29.
    immutable('attachedRequired', s.attachRequired, was.attachRequired);
    immutable('volumeLifecycleModes', s.volumeLifecycleModes, was.volumeLifecycleModes);
  }
  return errs;
}

const yesNo = (v: unknown, dflt: boolean) => (typeof v === 'boolean' ? v : dflt);

export const csiDriver: KindDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'CSIDriver',
  plural: 'csidrivers',
  singular: 'csidriver',
  namespaced: false,
  // spec is a Go struct in Kubernetes: absent, it is empty and defaulted (documented as required).
  schema: { ...kindSchema('io.k8s.api.storage.v1.CSIDriver', 'A CSI volume driver deployed in the cluster, named after the driver. Cluster-scoped.', { spec: csiDriverSpec }), documentedRequired: ['spec'] },
  hasGeneration: true,
  printerColumns: [
    { name: 'AttachRequired', type: 'boolean', description: 'Whether volumes need an attach step.', cell: (o) => yesNo(specOf(o).attachRequired, true) },
    { name: 'PodInfoOnMount', type: 'boolean', description: 'Whether the driver gets pod information on mount.', cell: (o) => yesNo(specOf(o).podInfoOnMount, false) },
    { name: 'StorageCapacity', type: 'boolean', description: 'Whether storage capacity is tracked.', cell: (o) => yesNo(specOf(o).storageCapacity, false) },
    {
      name: 'TokenRequests',
      type: 'string',
      description: 'Audiences of the tokens the driver receives.',
      cell: (o) => {
        const t = specOf(o).tokenRequests;
        return Array.isArray(t)
          ? objects(t)
              .map((r) => String(r.audience ?? ''))
              .join(',')
          : '<unset>';
      },
    },
    { name: 'RequiresRepublish', type: 'boolean', description: 'Whether volumes are published again periodically.', cell: (o) => yesNo(specOf(o).requiresRepublish, false) },
    { name: 'Modes', type: 'string', description: 'Volume lifecycle modes.', cell: (o) => (specOf(o).volumeLifecycleModes ?? []).join(',') || '<none>' },
  ],
  default: (o) => {
    if (!isObj(o.spec)) o.spec = {};
    const s = o.spec as Spec;
    s.attachRequired ??= true;
    s.podInfoOnMount ??= false;
    s.storageCapacity ??= false;
    s.fsGroupPolicy ??= 'ReadWriteOnceWithFSType';
    s.requiresRepublish ??= false;
    s.seLinuxMount ??= false;
    if (!s.volumeLifecycleModes?.length) s.volumeLifecycleModes = ['Persistent'];
  },
  validate: validateCSIDriver,
};
