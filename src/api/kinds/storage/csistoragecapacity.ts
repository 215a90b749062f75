// storage.k8s.io/v1 CSIStorageCapacity: how much storage of a class a CSI driver can provision in a
// topology segment, published by the driver for the scheduler. Namespaced (the driver's namespace).

import { fieldErr } from '../../errors.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema, labelSelector } from '../../meta.js';
import { parseQuantity } from '../../quantity.js';
import { quantity, str } from '../../schema.js';
import { dns1123Subdomain } from '../../names.js';
import { deepEqual } from '../../../util/equal.js';
import { checkLabelSelector } from '../workloads/checks.js';
import { csiStorageCapacityWarnings } from './warnings.js';

type Cap = KObject & { nodeTopology?: unknown; storageClassName?: string; capacity?: string | number; maximumVolumeSize?: string | number };

function negative(q: unknown): boolean {
  try {
    return (typeof q === 'string' || typeof q === 'number') && parseQuantity(q) < 0;
  } catch {
    return false; // a bad quantity is the schema's error
  }
}

export function validateCSIStorageCapacity(o: KObject, old?: KObject): FieldError[] {
  const c = o as Cap;
  const errs = checkLabelSelector('nodeTopology', c.nodeTopology);
  const cls = typeof c.storageClassName === 'string' ? c.storageClassName : '';
  errs.push(...dns1123Subdomain(cls).map((m) => fieldErr.invalid('storageClassName', cls, m)));
  if (negative(c.capacity)) errs.push(fieldErr.invalid('capacity', c.capacity, 'must be greater than or equal to 0'));
  if (old) {
    const was = old as Cap;
    if (!deepEqual(was.nodeTopology ?? null, c.nodeTopology ?? null)) errs.push(fieldErr.invalid('nodeTopology', c.nodeTopology ?? null, 'field is immutable'));
    if (was.storageClassName !== c.storageClassName) errs.push(fieldErr.invalid('storageClassName', c.storageClassName, 'field is immutable'));
  }
  return errs;
}

export const csiStorageCapacity: KindDef = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'CSIStorageCapacity',
  plural: 'csistoragecapacities',
  singular: 'csistoragecapacity',
  namespaced: true,
  schema: {
    ...kindSchema('io.k8s.api.storage.v1.CSIStorageCapacity', 'Storage a CSI driver can provision for a class in a topology segment, for the scheduler.', {
      nodeTopology: labelSelector,
      storageClassName: str('The StorageClass the capacity is for. Immutable.'),
      capacity: quantity('Capacity available for new volumes; unset: unknown.'),
      maximumVolumeSize: quantity('The largest volume that can be created; unset: as large as capacity.'),
    }),
    documentedRequired: ['storageClassName'],
  },
  printerColumns: [
    { name: 'StorageClassName', type: 'string', description: 'The class.', cell: (o) => (o as Cap).storageClassName ?? '' },
    { name: 'Capacity', type: 'string', description: 'Capacity available.', cell: (o) => ((o as Cap).capacity === undefined || (o as Cap).capacity === null ? '<unset>' : String((o as Cap).capacity)) },
  ],
  validate: validateCSIStorageCapacity,
  warnings: csiStorageCapacityWarnings,
};
