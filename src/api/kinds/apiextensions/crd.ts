// apiextensions.k8s.io/v1 CustomResourceDefinition: a new kind served by the API server. The
// object is validated here (src/api/crd/validate-crd.ts); the API server's CRD controller
// (src/apiserver/crd/) accepts its names, establishes it and serves its versions as KindDefs.

import { rfc3339 } from '../../../util/time.js';
import type { KindDef, KObject } from '../../kind.js';
import { condition, conditionsOf, kindSchema, object } from '../../meta.js';
import { any, bool, enumOf, listOf, mapList, setOf, str, struct } from '../../schema.js';
import { validateCrd } from '../../crd/validate-crd.js';
import { CLEANUP_FINALIZER, type Crd, CRD_GROUP } from '../../crd/types.js';

const names = struct(
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionNames',
  'The names a custom resource is served under.',
  {
    plural: str('The plural name of the resource, in the URL path (/apis/<group>/<version>/.../<plural>); must be lowercase.'),
    singular: str('The singular name of the resource (lowercase); defaults to the lowercased kind.'),
    shortNames: setOf(str(), 'Short names for `kubectl get <shortname>`; must be lowercase.'),
    kind: str('The serialized kind of the resource, normally CamelCase and singular.'),
    listKind: str('The serialized kind of the list of this resource; defaults to "`kind`List".'),
    categories: setOf(str(), 'Grouped resources this resource belongs to (e.g. "all"), for `kubectl get <category>`.'),
  },
  { required: ['plural', 'kind'] },
);

const column = object(
  {
    name: str('A human readable name for the column.'),
    type: str('An OpenAPI type for the column: integer, number, string, boolean or date.'),
    format: str('An optional OpenAPI format for the column (int32, int64, float, double, byte, date, date-time, password).'),
    description: str('A human readable description of the column.'),
    priority: { type: 'integer', format: 'int32', description: 'The importance of the column relative to others: 0 always shown, higher only with -o wide.' },
    jsonPath: str('A simple JSON path evaluated against each custom resource to produce the value of this column.'),
  },
  'A column shown in `kubectl get`.',
  { required: ['name', 'type', 'jsonPath'] },
);

const version = object(
  {
    name: str('The version name, e.g. "v1", "v2beta1"; served at /apis/<group>/<version>/...'),
    served: bool('Whether this version is served by REST APIs.'),
    storage: bool('Whether this version is used when persisting custom resources to storage; exactly one version must be.'),
    deprecated: bool('Whether this version is deprecated: requests to it get a warning header.'),
    deprecationWarning: str('The warning returned to clients instead of the default one.'),
    schema: object({ openAPIV3Schema: any('The OpenAPI v3 schema (a structural schema) used for validation, pruning and defaulting.') }, 'The schema for validation, pruning and defaulting of this version.'),
    subresources: object(
      {
        status: object({}, 'Enables the /status subresource: status is written only through it; spec changes bump metadata.generation.', { preserveUnknownFields: true }),
        scale: object(
          {
            specReplicasPath: str('The JSON path to the desired replicas, under .spec.'),
            statusReplicasPath: str('The JSON path to the observed replicas, under .status.'),
            labelSelectorPath: str('The JSON path to the serialized label selector, under .spec or .status.'),
          },
          'Enables the /scale subresource.',
          { required: ['specReplicasPath', 'statusReplicasPath'] },
        ),
      },
      'The subresources of this version.',
    ),
    additionalPrinterColumns: listOf(column, 'Columns shown by `kubectl get` besides NAME (and AGE when none is given).'),
    selectableFields: listOf(object({ jsonPath: str('A simple JSON path to a string, integer or boolean field.') }, 'A field that can be used as a field selector.', { required: ['jsonPath'] }), 'Fields usable as field selectors (at most 8).'),
  },
  'A version of the custom resource.',
  { required: ['name', 'served', 'storage'] },
);

export const customResourceDefinition: KindDef = {
  group: CRD_GROUP,
  version: 'v1',
  kind: 'CustomResourceDefinition',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  schema: kindSchema(
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    'Represents a resource that should be exposed on the API server. Its name MUST be in the format <.spec.name>.<.spec.group>.',
    {
      spec: object(
        {
          group: str('The API group of the custom resource, e.g. "stable.example.com".'),
          names: names,
          scope: enumOf(['Cluster', 'Namespaced'], 'Whether the resource is cluster-scoped or namespace-scoped.'),
          versions: mapList(version, 'name', 'The versions of the resource: exactly one is the storage version.'),
          conversion: object(
            {
              strategy: enumOf(['None', 'Webhook'], 'How custom resources are converted between versions: None (only apiVersion changes) or Webhook.'),
              webhook: any('How to call the conversion webhook (clientConfig, conversionReviewVersions).'),
            },
            'How custom resources are converted between versions.',
          ),
          preserveUnknownFields: bool('Deprecated: must be false in v1; use x-kubernetes-preserve-unknown-fields in the schema instead.'),
        },
        'The desired resource.',
        { required: ['group', 'names', 'scope', 'versions'] },
      ),
      status: object(
        {
          conditions: conditionsOf(condition, 'The observations of the definition: NamesAccepted, Established, Terminating.'),
          acceptedNames: names,
          storedVersions: listOf(str(), 'Every version that custom resources were ever stored at.'),
        },
        'The observed state of the definition.',
      ),
    },
    { required: ['spec'] },
  ),
  subresources: { status: true },
  hasGeneration: true,
  printerColumns: [{ name: 'Created At', type: 'date', description: 'When the definition was created.', cell: (o) => o.metadata?.creationTimestamp }],
  noAgeColumn: true,
  default: (o) => {
    const spec = (o as Crd).spec;
    if (!spec || typeof spec !== 'object') return;
    if (spec.names && typeof spec.names === 'object') {
      if (!spec.names.singular && typeof spec.names.kind === 'string') spec.names.singular = spec.names.kind.toLowerCase();
      if (!spec.names.listKind && typeof spec.names.kind === 'string' && spec.names.kind) spec.names.listKind = `${spec.names.kind}List`;
    }
    spec.conversion ??= { strategy: 'None' };
    spec.conversion.strategy ??= 'None';
  },
  initialStatus: () => ({ conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: [] }),
  validate: validateCrd,
  beginDelete: (obj: KObject) => {
    const crd = obj as Crd;
    const meta = crd.metadata!;
    if (!(meta.finalizers ?? []).includes(CLEANUP_FINALIZER)) meta.finalizers = [...(meta.finalizers ?? []), CLEANUP_FINALIZER];
    const conditions = (crd.status?.conditions ?? []).filter((c) => c.type !== 'Terminating');
    conditions.push({ type: 'Terminating', status: 'True', lastTransitionTime: rfc3339(), reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' });
    crd.status = { ...(crd.status ?? {}), conditions };
  },
};
