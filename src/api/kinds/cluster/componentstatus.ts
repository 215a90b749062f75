// core/v1 ComponentStatus (deprecated since 1.19, still served): the health of the control plane's
// parts, computed by the API server on every read (`kubectl get cs`); never stored or written.

import type { KindDef } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { mapList, str, struct } from '../../schema.js';

export const componentCondition = struct(
  'io.k8s.api.core.v1.ComponentCondition',
  "One aspect of a component's state; Healthy is the only type.",
  {
    type: str('Type of condition: Healthy.'),
    status: str('True, False or Unknown.'),
    message: str('Message about the condition, e.g. the health check answer.'),
    error: str('The error met while checking, if any.'),
  },
  { required: ['type', 'status'] },
);

const conditionsOf = (o: unknown): { type?: string; status?: string; message?: string; error?: string }[] => {
  const c = (o as { conditions?: unknown }).conditions;
  return Array.isArray(c) ? c : [];
};
const healthy = (o: unknown) => conditionsOf(o).find((c) => c?.type === 'Healthy');

export const componentStatus: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ComponentStatus',
  plural: 'componentstatuses',
  singular: 'componentstatus',
  namespaced: false,
  shortNames: ['cs'],
  verbs: ['get', 'list'],
  schema: kindSchema('io.k8s.api.core.v1.ComponentStatus', 'ComponentStatus (and ComponentStatusList) holds the cluster validation info. Deprecated: This API is deprecated in v1.19+', {
    conditions: mapList(componentCondition, 'type', 'List of component conditions observed.'),
  }),
  // printComponentStatus: Healthy/Unhealthy from the Healthy condition, Unknown without one.
  printerColumns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name of the component.', cell: (o) => o.metadata?.name ?? '' },
    {
      name: 'Status',
      type: 'string',
      description: 'Status of the component conditions.',
      cell: (o) => {
        const c = healthy(o);
        return !c ? 'Unknown' : c.status === 'True' ? 'Healthy' : 'Unhealthy';
      },
    },
    { name: 'Message', type: 'string', description: 'Message of the component conditions.', cell: (o) => healthy(o)?.message ?? '' },
    { name: 'Error', type: 'string', description: 'Error of the component conditions.', cell: (o) => healthy(o)?.error ?? '' },
  ],
  noAgeColumn: true,
};
