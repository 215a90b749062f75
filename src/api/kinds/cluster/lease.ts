// coordination.k8s.io/v1 Lease: leader election and node heartbeats.

import type { Lease, LeaseSpec } from '../../core/index.js';
import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { int32, str, struct } from '../../schema.js';

const microTime = (d: string) => ({ type: 'string' as const, format: 'date-time' as const, description: d });

export const lease: KindDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  schema: kindSchema('io.k8s.api.coordination.v1.Lease', 'A lease: who holds it and until when (leader election, node heartbeats).', {
    spec: struct('io.k8s.api.coordination.v1.LeaseSpec', "The lease's holder and timing.", {
      holderIdentity: str('Who holds the lease now.'),
      leaseDurationSeconds: int32('How long the holder may hold it without renewing.'),
      acquireTime: microTime('When the current holder acquired it.'),
      renewTime: microTime('When the holder last renewed it.'),
      leaseTransitions: int32('How many times the holder changed.'),
      strategy: str('Strategy for picking a leader in coordinated elections.'),
      preferredHolder: str('Signals to the holder that it should give the lease up to this identity.'),
    }),
  }),
  printerColumns: [{ name: 'Holder', type: 'string', description: 'Who holds it.', cell: (o) => (o as Lease).spec?.holderIdentity ?? '' }],
  validate: (o) => {
    const s = (o.spec ?? {}) as LeaseSpec;
    const errs: FieldError[] = [];
    if (s.leaseDurationSeconds !== undefined && s.leaseDurationSeconds <= 0) errs.push(fieldErr.invalid('spec.leaseDurationSeconds', s.leaseDurationSeconds, 'must be greater than 0'));
    if (s.leaseTransitions !== undefined && s.leaseTransitions < 0) errs.push(fieldErr.invalid('spec.leaseTransitions', s.leaseTransitions, 'must be greater than or equal to 0'));
    return errs;
  },
};
