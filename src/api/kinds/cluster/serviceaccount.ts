// core/v1 ServiceAccount: an identity for processes in pods.

import type { KindDef } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { bool, listOf, mapList } from '../../schema.js';
import { localObjectReference, objectReference } from './refs.js';

export const serviceAccount: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  schema: kindSchema('io.k8s.api.core.v1.ServiceAccount', 'An identity for processes that run in pods.', {
    secrets: mapList(objectReference, 'name', 'Secrets pods running as this account may use.'),
    imagePullSecrets: listOf(localObjectReference, 'Secrets with registry credentials for pulling images of pods running as this account.'),
    automountServiceAccountToken: bool('Whether pods running as this account get an API token mounted by default.'),
  }),
  subresources: { other: ['token'] },
  printerColumns: [{ name: 'Secrets', type: 'integer', description: 'Number of secrets.', cell: (o) => ((o.secrets as unknown[]) ?? []).length }],
};
