// Schemas shared by every kind: ObjectMeta, ListMeta, LabelSelector, OwnerReference, Condition.
// Kind declarations build their top-level schema with `kindSchema`, which adds apiVersion, kind and metadata.

import { type ObjectSchema, type Schema, any, bool, enumOf, int64, listOf, mapList, object, setOf, str, stringMap, struct, time } from './schema.js';

export const ownerReference = struct(
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference',
  'Identifies an owning object; the owned object is garbage-collected when all its owners are gone.',
  {
    apiVersion: str('API version of the owner.'),
    kind: str('Kind of the owner.'),
    name: str('Name of the owner.'),
    uid: str('UID of the owner.'),
    controller: bool('True if the owner is the managing controller.'),
    blockOwnerDeletion: bool('If true, the owner cannot be deleted (foreground) until this object is.'),
  },
  { required: ['apiVersion', 'kind', 'name', 'uid'], mapType: 'atomic' },
);

export const managedFieldsEntry = struct('io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry', 'Records which fields a manager set, and how (server-side apply field ownership).', {
  manager: str('Name of the workflow managing these fields.'),
  operation: str('Apply or Update: the kind of operation that set the fields.'),
  apiVersion: str('Version of the resource the fieldset applies to.'),
  time: time('When these fields were last changed by this manager.'),
  fieldsType: str('Format of fieldsV1; only "FieldsV1" is used.'),
  fieldsV1: any('The fields owned, as a FieldsV1 trie.'),
  subresource: str('The subresource written through, if any (e.g. "status").'),
});

export const objectMeta = struct('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'Metadata every persisted object has: name, namespace, labels, annotations, ownership and bookkeeping set by the server.', {
  name: str('Unique name within the namespace (or cluster, for cluster-scoped kinds). Cannot be updated.'),
  generateName: str('Prefix for a server-generated unique name, used when name is empty.'),
  namespace: str('The namespace this object lives in; empty for cluster-scoped kinds.'),
  selfLink: str('Deprecated; not set.'),
  uid: str('Unique ID for this object for all time, set by the server.'),
  resourceVersion: str('Opaque version of this object, for optimistic concurrency and watches; set by the server.'),
  generation: int64('Sequence number of a specific generation of the desired state; set by the server.'),
  creationTimestamp: time('When this object was created; set by the server.'),
  deletionTimestamp: time('When deletion was requested; set by the server. The object goes once its finalizers are empty.'),
  deletionGracePeriodSeconds: int64('Seconds allowed for graceful termination before the object is removed.'),
  labels: stringMap('Key/value pairs used to organize and select objects.'),
  annotations: stringMap('Unstructured key/value data for tools and extensions.'),
  ownerReferences: mapList(ownerReference, 'uid', 'Objects this one depends on; when all owners are gone it is garbage-collected.'),
  finalizers: setOf(str(), 'Must be empty before the object is deleted from storage; each entry names a party with cleanup to do.'),
  managedFields: listOf(managedFieldsEntry, 'Field ownership for server-side apply; maintained by the server.'),
});

export const listMeta = struct('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', 'Metadata of a list: the resourceVersion it was read at, and a continue token for the next page.', {
  selfLink: str('Deprecated; not set.'),
  resourceVersion: str('The revision this list was read at; watch from here to see later changes.'),
  continue: str('Set when more items remain: pass as ?continue= to read the next page.'),
  remainingItemCount: int64('How many items remain after this page, when known.'),
});

export const labelSelectorRequirement = struct(
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement',
  'A selector requirement: a key, an operator and values.',
  {
    key: str('The label key the selector applies to.'),
    operator: enumOf(['In', 'NotIn', 'Exists', 'DoesNotExist'], 'How the key relates to the values.'),
    values: listOf(str(), 'Values for In and NotIn; must be empty for Exists and DoesNotExist.'),
  },
  { required: ['key', 'operator'] },
);

export const labelSelector = struct(
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
  'A label query over a set of objects; matchLabels and matchExpressions are ANDed. Empty selects everything.',
  {
    matchLabels: stringMap('Labels that must all match exactly.'),
    matchExpressions: listOf(labelSelectorRequirement, 'Requirements that must all hold.'),
  },
  { mapType: 'atomic' },
);

export const condition = struct(
  'io.k8s.apimachinery.pkg.apis.meta.v1.Condition',
  "One aspect of an object's current state.",
  {
    type: str('Type of condition in CamelCase.'),
    status: enumOf(['True', 'False', 'Unknown'], 'Status of the condition.'),
    observedGeneration: int64('The .metadata.generation the condition was set from.'),
    lastTransitionTime: time('Last time the condition changed status.'),
    reason: str('Programmatic identifier for the last transition, in CamelCase.'),
    message: str('Human-readable message about the transition.'),
  },
  { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);

/** The top-level schema of a kind: apiVersion, kind and metadata, then its own fields. */
export function kindSchema(name: string, description: string, fields: Record<string, Schema | (() => Schema)>, o: { required?: string[] } = {}): ObjectSchema {
  return struct(
    name,
    description,
    {
      apiVersion: str('Versioned schema of this representation of the object (group/version).'),
      kind: str('The REST resource this object represents, in CamelCase.'),
      metadata: objectMeta,
      ...fields,
    },
    o,
  );
}

/** The list schema of a kind (e.g. PodList), for OpenAPI. */
export function listSchema(name: string, item: ObjectSchema): ObjectSchema {
  return struct(
    name,
    `A list of ${item.name?.split('.').pop() ?? 'objects'}.`,
    {
      apiVersion: str('Versioned schema of this representation.'),
      kind: str('The REST resource this object represents.'),
      metadata: listMeta,
      items: listOf(item, 'The objects.'),
    },
    { required: ['items'] },
  );
}

/** Conditions list merged by type, as Kubernetes status conditions are. */
export const conditionsOf = (item: Schema, description = "Latest observations of the object's state.") => mapList(item, 'type', description);

export { object };
