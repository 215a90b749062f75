// core/v1 Binding: the scheduler's older way to place a pod (POST .../namespaces/{ns}/bindings,
// metadata.name naming the pod). Create-only and never stored: the API server sets the pod's
// spec.nodeName, exactly as for the pods/binding subresource.

import type { KindDef } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { objectReference } from './refs.js';

export const binding: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Binding',
  plural: 'bindings',
  singular: 'binding',
  namespaced: true,
  verbs: ['create'],
  schema: kindSchema('io.k8s.api.core.v1.Binding', 'Ties one object to another, e.g. a pod to the node the scheduler chose.', { target: objectReference }, { required: ['target'] }),
};
