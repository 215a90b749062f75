// apiextensions.k8s.io/v1 CustomResourceDefinition, as a placeholder until CRDs are implemented:
// served in discovery with get, list and watch only, always empty. kubectl's client-side
// validation lists CRDs to tell "a custom kind not installed" from "a kind that does not exist";
// without this resource it fails with a confusing "failed to check CRD" instead of the real
// "no matches for kind". A create is refused with 405 (crdNotServedYet, via the router's
// per-kind verb messages) saying so.

import type { KindDef } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { enumOf, str, struct } from '../../schema.js';

export const CRD_NOT_SERVED = 'CustomResourceDefinitions are not served yet: this server serves no custom resources';

const names = struct('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionNames', 'Names of the custom resource.', {
  plural: str('Plural name (the resource in URLs).'),
  singular: str('Singular name.'),
  kind: str('Kind name.'),
  listKind: str('Kind of the list.'),
});

export const customResourceDefinition: KindDef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  verbs: ['get', 'list', 'watch'],
  schema: kindSchema('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition', 'A custom resource type (not served yet by this server).', {
    spec: struct('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec', 'The custom resource type.', {
      group: str('API group of the custom resource.'),
      names,
      scope: enumOf(['Cluster', 'Namespaced'], 'Whether objects are namespaced.'),
    }),
  }),
  printerColumns: [{ name: 'Created At', type: 'date', description: 'When it was created.', cell: (o) => o.metadata?.creationTimestamp ?? '' }],
  noAgeColumn: true,
};
