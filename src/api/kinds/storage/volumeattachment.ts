// storage.k8s.io/v1 VolumeAttachment: the wish to attach a volume to a node, and whether it is
// (status, written by the attacher through the status subresource). Its spec never changes.

import type { VolumeAttachment } from '../../storage/types.js';
import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { bool, resolve, str, stringMap, struct, time } from '../../schema.js';
import { dns1123Subdomain } from '../../names.js';
import { deepEqual } from '../../../util/equal.js';
import { persistentVolume } from '../cluster/storage.js';
import { isObj } from '../workloads/checks.js';
import { checkCSIDriverName } from './csi-names.js';

const MAX_METADATA_SIZE = 256 * 1024;
const MAX_ERROR_MESSAGE = 1024;

const volumeError = struct('io.k8s.api.storage.v1.VolumeError', 'An error of an attach or detach operation.', {
  time: time('When it happened.'),
  message: str('What went wrong (at most 1024 characters).'),
});

type VA = VolumeAttachment;

function validateSource(src: unknown): FieldError[] {
  const s = isObj(src) ? src : {};
  const pvSet = typeof s.persistentVolumeName === 'string';
  const inlineSet = isObj(s.inlineVolumeSpec);
  if (!pvSet && !inlineSet) return [fieldErr.required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName')];
  if (pvSet && inlineSet) return [fieldErr.forbidden('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName')];
  if (pvSet) {
    const name = s.persistentVolumeName as string;
    if (name === '') return [fieldErr.required('spec.source.persistentVolumeName', 'must specify non empty persistentVolumeName')];
    return dns1123Subdomain(name).map((m) => fieldErr.invalid('spec.source.persistentVolumeName', name, m));
  }
  return [];
}

function validateStatus(st: VA['status']): FieldError[] {
  if (!isObj(st)) return [];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(isObj(st.attachmentMetadata) ? st.attachmentMetadata : {})) size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  if (size > MAX_METADATA_SIZE) errs.push(fieldErr.tooLong('status.attachmentMetadata', MAX_METADATA_SIZE));
  for (const which of ['attachError', 'detachError'] as const) {
    const m = st[which]?.message;
    // Kubernetes reports the metadata limit here too.
    if (typeof m === 'string' && m.length > MAX_ERROR_MESSAGE) errs.push(fieldErr.tooLong(`status.${which}.message`, MAX_METADATA_SIZE));
  }
  return errs;
}

export function validateVolumeAttachment(o: KObject, old?: KObject): FieldError[] {
  const va = o as VA;
  const spec = isObj(va.spec) ? va.spec : {};
  const errs: FieldError[] = [];
  const attacher = typeof spec.attacher === 'string' ? spec.attacher : '';
  if (attacher === '') errs.push(fieldErr.required('spec.attacher'));
  errs.push(...validateSource(spec.source));
  const nodeName = typeof spec.nodeName === 'string' ? spec.nodeName : '';
  errs.push(...dns1123Subdomain(nodeName).map((m) => fieldErr.invalid('spec.nodeName', nodeName, m)));
  errs.push(...validateStatus(va.status));
  // v1's extra rule: the attacher is a CSI driver name.
  if (attacher !== '') errs.push(...checkCSIDriverName('spec.attacher', attacher));
  if (old && !deepEqual((old as VA).spec ?? null, va.spec ?? null)) errs.push(fieldErr.invalid('spec', va.spec, 'field is immutable'));
  return errs;
}

const inlineVolumeSpec = () => resolve(persistentVolume.schema.properties.spec);

export const volumeAttachment: KindDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'VolumeAttachment',
  plural: 'volumeattachments',
  singular: 'volumeattachment',
  namespaced: false,
  schema: {
    ...kindSchema('io.k8s.api.storage.v1.VolumeAttachment', 'The intent to attach a volume to a node, and what the attacher reports. Cluster-scoped.', {
      spec: struct(
        'io.k8s.api.storage.v1.VolumeAttachmentSpec',
        'What to attach, where, by whom. Immutable.',
        {
          attacher: str('The CSI driver that attaches the volume.'),
          source: struct('io.k8s.api.storage.v1.VolumeAttachmentSource', 'The volume: exactly one of persistentVolumeName and inlineVolumeSpec.', {
            persistentVolumeName: str('The PersistentVolume to attach.'),
            inlineVolumeSpec: inlineVolumeSpec,
          }),
          nodeName: str('The node to attach it to.'),
        },
        { documentedRequired: ['attacher', 'source', 'nodeName'] },
      ),
      status: struct(
        'io.k8s.api.storage.v1.VolumeAttachmentStatus',
        'What the attacher reports.',
        {
          attached: bool('Whether the volume is attached.'),
          attachmentMetadata: stringMap('What the attach returned, passed on to the mount.'),
          attachError: volumeError,
          detachError: volumeError,
        },
        { documentedRequired: ['attached'] },
      ),
    }),
    // A Go struct in Kubernetes: absent, it is empty (and its fields are then reported missing).
    documentedRequired: ['spec'],
  },
  subresources: { status: true },
  // Kubernetes' status is a Go struct whose attached is always written: a new attachment reads attached: false.
  initialStatus: () => ({ attached: false }),
  printerColumns: [
    { name: 'Attacher', type: 'string', format: 'name', description: 'The CSI driver that attaches the volume.', cell: (o) => (o as VA).spec?.attacher ?? '' },
    { name: 'PV', type: 'string', description: 'The PersistentVolume attached.', cell: (o) => (o as VA).spec?.source?.persistentVolumeName ?? '' },
    { name: 'Node', type: 'string', description: 'The node it is attached to.', cell: (o) => (o as VA).spec?.nodeName ?? '' },
    { name: 'Attached', type: 'boolean', description: 'Whether it is attached.', cell: (o) => (o as VA).status?.attached === true },
  ],
  validate: validateVolumeAttachment,
};
