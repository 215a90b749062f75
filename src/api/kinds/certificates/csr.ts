// certificates.k8s.io/v1 CertificateSigningRequest: a request for a certificate from a named signer.
// The requester's identity (spec.username/uid/groups/extra) is set by the API server from the
// authenticated user on create, never taken from the body; the spec is immutable; approval and
// denial go through the approval subresource, the certificate through status (see
// src/apiserver/certificates/). Validation follows Kubernetes' (pkg/apis/certificates/validation).

import type { KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { bytes, enumOf, int32, listOf, mapList, mapOf, str, struct, time } from '../../schema.js';
import { humanDuration } from '../../table.js';
import { validateCsr, KEY_USAGES } from './csr-validation.js';

export interface CsrCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface Csr extends KObject {
  spec: {
    request: string;
    signerName: string;
    expirationSeconds?: number;
    usages?: string[];
    username?: string;
    uid?: string;
    groups?: string[];
    extra?: Record<string, string[]>;
  };
  status?: { conditions?: CsrCondition[]; certificate?: string };
}

const conditionSchema = struct('io.k8s.api.certificates.v1.CertificateSigningRequestCondition', 'One state of a request: Approved, Denied, Failed (or another type).', {
  type: str('Type of the condition: Approved, Denied or Failed (other types are kept as given).'),
  status: enumOf(['True', 'False', 'Unknown'], 'Status of the condition; Approved, Denied and Failed may only be True.'),
  reason: str('A brief reason for the condition, in CamelCase.'),
  message: str('Human-readable details about the condition.'),
  lastUpdateTime: time('When the condition was last updated.'),
  lastTransitionTime: time('When the condition last changed status.'),
});

/** The CONDITION column: the conditions that are True, then Issued once a certificate is there, else Pending. */
export function csrConditionColumn(o: KObject): string {
  const csr = o as Csr;
  const parts = (csr.status?.conditions ?? []).filter((c) => c.status === 'True' || c.status === undefined).map((c) => c.type);
  if (csr.status?.certificate) parts.push('Issued');
  return parts.length > 0 ? parts.join(',') : 'Pending';
}

export const certificateSigningRequest: KindDef = {
  group: 'certificates.k8s.io',
  version: 'v1',
  kind: 'CertificateSigningRequest',
  plural: 'certificatesigningrequests',
  singular: 'certificatesigningrequest',
  namespaced: false,
  shortNames: ['csr'],
  schema: kindSchema(
    'io.k8s.api.certificates.v1.CertificateSigningRequest',
    'A request for a certificate from a signer: the signer issues it once the request is approved.',
    {
      spec: struct(
        'io.k8s.api.certificates.v1.CertificateSigningRequestSpec',
        'What is requested, and (set by the server) who requested it.',
        {
          request: bytes('A PEM-encoded PKCS#10 certificate request (base64 in JSON).'),
          signerName: str('The signer asked to sign, a qualified name like kubernetes.io/kube-apiserver-client.'),
          expirationSeconds: int32('The requested validity of the certificate (at least 600); the signer may issue a shorter one.'),
          usages: listOf(enumOf(KEY_USAGES), 'Key usages requested in the certificate.'),
          username: str('The requesting user (set by the server, immutable).'),
          uid: str('The UID of the requesting user (set by the server, immutable).'),
          groups: listOf(str(), 'The groups of the requesting user (set by the server, immutable).'),
          extra: mapOf(listOf(str()), 'Extra attributes of the requesting user (set by the server, immutable).'),
        },
        { required: ['request', 'signerName'] },
      ),
      status: struct('io.k8s.api.certificates.v1.CertificateSigningRequestStatus', 'Whether the request was approved or denied, and the issued certificate.', {
        conditions: mapList(conditionSchema, 'type', 'Approved, Denied and Failed conditions, and others.'),
        certificate: bytes('The issued certificate (PEM, base64 in JSON), set by the signer once approved.'),
      }),
    },
    { required: ['spec'] },
  ),
  subresources: { status: true, other: ['approval'] },
  printerColumns: [
    { name: 'Age', type: 'date', description: 'Time since the request was created.', jsonPath: '.metadata.creationTimestamp' },
    { name: 'SignerName', type: 'string', description: 'The signer asked to sign.', cell: (o) => (o as Csr).spec?.signerName ?? '' },
    { name: 'Requestor', type: 'string', description: 'Who made the request.', cell: (o) => (o as Csr).spec?.username ?? '' },
    {
      name: 'RequestedDuration',
      type: 'string',
      description: 'The validity asked for.',
      cell: (o) => {
        const s = (o as Csr).spec?.expirationSeconds;
        return typeof s === 'number' ? humanDuration(s * 1000) : '<none>';
      },
    },
    { name: 'Condition', type: 'string', description: 'Approved, Denied, Failed, Issued or Pending.', cell: csrConditionColumn },
  ],
  fieldSelectors: { 'spec.signerName': (o) => (o as Csr).spec?.signerName },
  // The main resource changes metadata only: spec is immutable and status has its own subresources.
  prepareUpdate: (obj, old) => {
    obj.spec = structuredClone(old.spec);
  },
  validate: (o, old) => validateCsr(o as Csr, old as Csr | undefined),
};
