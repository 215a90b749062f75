// core/v1 PodTemplate: a stored pod template other tools can instantiate.

import type { KindDef } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { labelSelectorToString } from '../../labels.js';
import { at, nameColumn } from './columns.js';
import { isObj, objects, str } from './checks.js';
import { defaultPodTemplate } from './pod-defaults.js';
import { podTemplateSpec } from './pod-spec.js';
import { validatePodTemplateSpec } from './pod-validation.js';
import { templateWarnings, dropDisabledTemplateFields } from './template-warnings.js';

export const podTemplateSchema = kindSchema('io.k8s.api.core.v1.PodTemplate', 'A pod template, stored for others to create pods from.', {
  template: podTemplateSpec,
});

export const podTemplate: KindDef = {
  group: '',
  version: 'v1',
  kind: 'PodTemplate',
  plural: 'podtemplates',
  singular: 'podtemplate',
  namespaced: true,
  schema: podTemplateSchema,
  hasGeneration: false,
  printerColumns: [
    nameColumn,
    {
      name: 'Containers',
      type: 'string',
      description: 'Names of each container in the template.',
      cell: (o) =>
        objects(at(o, 'template', 'spec', 'containers'))
          .map((c) => str(c.name))
          .join(','),
    },
    {
      name: 'Images',
      type: 'string',
      description: 'Images referenced by each container in the template.',
      cell: (o) =>
        objects(at(o, 'template', 'spec', 'containers'))
          .map((c) => str(c.image))
          .join(','),
    },
    {
      name: 'Pod Labels',
      type: 'string',
      description: 'The labels of the pod template.',
      cell: (o) => {
        const labels = at(o, 'template', 'metadata', 'labels');
        return isObj(labels) ? labelSelectorToString({ matchLabels: labels as Record<string, string> }) : '';
      },
    },
  ],
  default: (obj) => defaultPodTemplate(obj.template),
  // Fields behind feature gates 1.32 has off are dropped from the template, as from pods.
  prepareCreate: (o) => dropDisabledTemplateFields(o.template),
  prepareUpdate: (o, old) => dropDisabledTemplateFields(o.template, old.template),
  warnings: (o, old) => templateWarnings(o.template, 'template', old?.template),
  validate: (obj) => validatePodTemplateSpec(obj.template ?? {}, 'template'),
};
