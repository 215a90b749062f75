// core/v1 Namespace: a scope for names. Deleting one empties it first (spec.finalizers "kubernetes"
// is removed by the namespace controller once its content is gone).

import type { Namespace } from '../../core/index.js';
import type { KindDef } from '../../kind.js';
import { conditionsOf, kindSchema } from '../../meta.js';
import { enumOf, object, setOf, str, struct, time } from '../../schema.js';

const namespaceCondition = struct(
  'io.k8s.api.core.v1.NamespaceCondition',
  "One aspect of a namespace's state.",
  {
    type: str('Type of the condition, e.g. NamespaceContentRemaining.'),
    status: enumOf(['True', 'False', 'Unknown'], 'Status of the condition.'),
    lastTransitionTime: time('Last time the condition changed.'),
    reason: str('Machine-readable reason for the last transition.'),
    message: str('Human-readable details.'),
  },
  { required: ['type', 'status'] },
);

export const namespace: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  nameFormat: 'label',
  schema: kindSchema('io.k8s.api.core.v1.Namespace', 'A scope for names; deleting it deletes everything in it.', {
    spec: struct('io.k8s.api.core.v1.NamespaceSpec', 'What a namespace holds on to.', {
      finalizers: setOf(str(), 'Parties that must clean up before the namespace is removed from storage.'),
    }),
    status: struct('io.k8s.api.core.v1.NamespaceStatus', 'The observed state of a namespace.', {
      phase: enumOf(['Active', 'Terminating'], 'Active, or Terminating once deleted.'),
      conditions: conditionsOf(namespaceCondition, "Latest observations of the namespace's state."),
    }),
  }),
  subresources: { status: true, other: ['finalize'] },
  statusFields: ['status'],
  printerColumns: [{ name: 'Status', type: 'string', description: 'The namespace phase.', cell: (o) => (o as Namespace).status?.phase ?? '' }],
  fieldSelectors: { 'status.phase': (o) => (o as Namespace).status?.phase },
  // Deleting a namespace turns it Terminating; it stays until the namespace controller has emptied
  // it and removed its spec.finalizers.
  beginDelete: (o) => {
    o.status = { ...((o.status as Record<string, unknown> | undefined) ?? {}), phase: 'Terminating' };
  },
  holdsDeletion: (o) => ((o as Namespace).spec?.finalizers ?? []).length > 0,
  default: (o) => {
    const spec = (o.spec ??= {}) as NonNullable<Namespace['spec']>;
    spec.finalizers ??= ['kubernetes'];
    const status = (o.status ??= {}) as NonNullable<Namespace['status']>;
    status.phase ??= 'Active';
    const labels = (o.metadata!.labels ??= {});
    if (o.metadata?.name) labels['kubernetes.io/metadata.name'] = o.metadata.name;
  },
};

export { object };
