// apps/v1 ControllerRevision: an immutable snapshot of a StatefulSet's or DaemonSet's template,
// used for rollouts and rollbacks.

import { fieldErr } from '../../errors.js';
import { deepEqual } from '../../../util/equal.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { any, int64 } from '../../schema.js';
import { ageColumn, nameColumn } from './columns.js';

export const controllerRevisionSchema = kindSchema(
  'io.k8s.api.apps.v1.ControllerRevision',
  'An immutable snapshot of state, kept by a controller for rollouts and rollbacks.',
  {
    data: any('The serialized state (typically a patch of the pod template).'),
    revision: int64('Revision number of this state.'),
  },
  { required: ['revision'] },
);

/** CONTROLLER as Kubernetes prints it: lower-case kind.group/name of the controlling owner. */
function controllerCell(o: KObject): string {
  const ref = o.metadata?.ownerReferences?.find((r) => r.controller === true);
  if (!ref) return '<none>';
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  const kind = group ? `${ref.kind}.${group}` : ref.kind;
  return kind ? `${kind.toLowerCase()}/${ref.name}` : ref.name;
}

function validate(obj: KObject, old?: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (obj.data === undefined || obj.data === null) errs.push(fieldErr.required('data', 'data is mandatory'));
  if (typeof obj.revision === 'number' && obj.revision < 0) errs.push(fieldErr.invalid('revision', obj.revision, 'must be greater than or equal to 0'));
  if (old && !deepEqual(obj.data, old.data)) errs.push(fieldErr.invalid('data', '<value omitted>', 'field is immutable'));
  return errs;
}

export const controllerRevision: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  schema: controllerRevisionSchema,
  hasGeneration: false,
  printerColumns: [nameColumn, { name: 'Controller', type: 'string', description: 'The controller owning this revision.', cell: controllerCell }, { name: 'Revision', type: 'string', description: 'Revision number.', cell: (o) => (typeof o.revision === 'number' ? o.revision : 0) }, ageColumn],
  validate,
};
