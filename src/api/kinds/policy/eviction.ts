// policy/v1 Eviction: the body POSTed to pods/NAME/eviction. Not a stored kind: its schema only lets
// the API server read it in every encoding clients send (JSON, YAML, protobuf from typed clients).

import { kindSchema } from '../../meta.js';
import { bool, enumOf, int64, listOf, str, struct } from '../../schema.js';

const meta = (n: string) => `io.k8s.apimachinery.pkg.apis.meta.v1.${n}`;

export const deleteOptionsSchema = struct(meta('DeleteOptions'), 'Options of a delete.', {
  apiVersion: str('Versioned schema of this representation.'),
  kind: str('DeleteOptions.'),
  gracePeriodSeconds: int64('Seconds before the object is deleted; 0 deletes at once.'),
  preconditions: struct(meta('Preconditions'), 'Must hold for the delete to go ahead.', { uid: str('The target object UID.'), resourceVersion: str('The target resourceVersion.') }),
  orphanDependents: bool('Deprecated: use propagationPolicy.'),
  propagationPolicy: enumOf(['Orphan', 'Background', 'Foreground'], 'Whether and how garbage collection deletes dependents.'),
  dryRun: listOf(str(), 'All: process the request without persisting it.'),
});

export const evictionSchema = kindSchema('io.k8s.api.policy.v1.Eviction', 'Evicts a pod from its node, subject to the PodDisruptionBudgets and grace periods that apply.', {
  deleteOptions: deleteOptionsSchema,
});
