// v1 LimitRange: per-namespace bounds and defaults for the resources of containers, pods and volume
// claims. Container defaults are filled in on the object itself (default from max, defaultRequest
// from default or min); LimitRanger admission (src/apiserver/admission/limit-ranger.ts) applies and
// enforces them. `kubectl get` shows NAME and CREATED AT, as Kubernetes' printer does.

import type { KindDef } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { listOf, str, struct } from '../../schema.js';
import { defaultLimitRange, validateLimitRange } from '../../quota/validate-limitrange.js';
import { coreName as core, resourceList } from '../workloads/refs.js';

const limitRangeItem = struct(
  core('LimitRangeItem'),
  'Bounds and defaults for one kind of object.',
  {
    type: str('Container, Pod or PersistentVolumeClaim.'),
    max: resourceList('The most of each resource an object of this type may have.'),
    min: resourceList('The least of each resource an object of this type may ask for.'),
    default: resourceList('The limits a container gets when it sets none.'),
    defaultRequest: resourceList('The requests a container gets when it sets none.'),
    maxLimitRequestRatio: resourceList('The largest limit/request ratio allowed per resource.'),
  },
  { required: ['type'] },
);

export const limitRange: KindDef = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  plural: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  schema: kindSchema(core('LimitRange'), 'Resource bounds and defaults for the objects of a namespace.', {
    spec: struct(
      core('LimitRangeSpec'),
      'The limits.',
      {
        limits: listOf(limitRangeItem, 'The limits, one item per type.'),
      },
      { required: ['limits'] },
    ),
  }),
  printerColumns: [{ name: 'Created At', type: 'date', description: 'When the limit range was created.', cell: (o) => o.metadata?.creationTimestamp ?? '' }],
  noAgeColumn: true,
  default: defaultLimitRange,
  validate: (o) => validateLimitRange(o),
};
