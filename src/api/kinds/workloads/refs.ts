// Small core/v1 types the pod spec (and other kinds) point at: object references, key selectors,
// resource lists and requirements. Named as Kubernetes names them, so OpenAPI definitions match.

import { type ArraySchema, type Schema, bool, int32, mapOf, quantity, str, struct } from '../../schema.js';

const core = (n: string) => `io.k8s.api.core.v1.${n}`;
export { core as coreName };

/** A list merged by keys in server-side apply only (x-kubernetes-list-type: map, no strategic-merge key). */
export const keyedList = (items: Schema | (() => Schema), keys: string[], description: string): ArraySchema => ({ type: 'array', items, description, listType: 'map', listMapKeys: keys });

export const localObjectReference = struct(
  core('LocalObjectReference'),
  'Names an object in the same namespace.',
  {
    name: str('Name of the referent.'),
  },
  { mapType: 'atomic' },
);

export const objectReference = struct(
  core('ObjectReference'),
  'Points at any object, optionally at a field inside it.',
  {
    kind: str('Kind of the referent.'),
    namespace: str('Namespace of the referent.'),
    name: str('Name of the referent.'),
    uid: str('UID of the referent.'),
    apiVersion: str('API version of the referent.'),
    resourceVersion: str("The referent's resourceVersion this reference was made against."),
    fieldPath: str('A field inside the referent, e.g. spec.containers{web}.'),
  },
  { mapType: 'atomic' },
);

export const typedLocalObjectReference = struct(
  core('TypedLocalObjectReference'),
  'Names an object of a given kind in the same namespace.',
  {
    apiGroup: str('API group of the referent; empty for the core group.'),
    kind: str('Kind of the referent.'),
    name: str('Name of the referent.'),
  },
  { required: ['kind', 'name'], mapType: 'atomic' },
);

export const typedObjectReference = struct(
  core('TypedObjectReference'),
  'Names an object of a given kind, possibly in another namespace.',
  {
    apiGroup: str('API group of the referent; empty for the core group.'),
    kind: str('Kind of the referent.'),
    name: str('Name of the referent.'),
    namespace: str('Namespace of the referent (cross-namespace data sources only).'),
  },
  { required: ['kind', 'name'] },
);

export const secretReference = struct(
  core('SecretReference'),
  'Names a Secret, possibly in another namespace.',
  {
    name: str('Name of the Secret.'),
    namespace: str('Namespace of the Secret.'),
  },
  { mapType: 'atomic' },
);

export const keyToPath = struct(
  core('KeyToPath'),
  'Projects one key of a ConfigMap or Secret to a file path.',
  {
    key: str('The key to project.'),
    path: str('Relative file path to write the key to; no "..".'),
    mode: int32("File mode bits (0-0777) for this file; defaults to the volume's defaultMode."),
  },
  { required: ['key', 'path'] },
);

export const objectFieldSelector = struct(
  core('ObjectFieldSelector'),
  'Selects a field of the pod, e.g. metadata.name or status.podIP.',
  {
    apiVersion: str('API version the fieldPath is written against.', { default: 'v1' }),
    fieldPath: str('Path of the field to select.'),
  },
  { required: ['fieldPath'], mapType: 'atomic' },
);

export const resourceFieldSelector = struct(
  core('ResourceFieldSelector'),
  "Selects a container's resource request or limit, e.g. limits.memory.",
  {
    containerName: str('Container to read from; required in volumes, optional in env.'),
    resource: str('The resource to select, e.g. requests.cpu.'),
    divisor: quantity('Unit to express the value in; defaults to 1.'),
  },
  { required: ['resource'], mapType: 'atomic' },
);

export const configMapKeySelector = struct(
  core('ConfigMapKeySelector'),
  'Selects one key of a ConfigMap.',
  {
    name: str('Name of the ConfigMap.'),
    key: str('The key to select.'),
    optional: bool('Whether the ConfigMap or key may be missing.'),
  },
  { required: ['key'], mapType: 'atomic' },
);

export const secretKeySelector = struct(
  core('SecretKeySelector'),
  'Selects one key of a Secret.',
  {
    name: str('Name of the Secret.'),
    key: str('The key to select.'),
    optional: bool('Whether the Secret or key may be missing.'),
  },
  { required: ['key'], mapType: 'atomic' },
);

/** ResourceList: resource name to quantity (cpu, memory, ephemeral-storage, hugepages-*, extended resources). */
export const resourceList = (description: string) => mapOf(quantity(), description);

export const resourceClaim = struct(
  core('ResourceClaim'),
  "Makes one of the pod's resource claims (spec.resourceClaims) available to a container.",
  {
    name: str('Name of an entry in pod.spec.resourceClaims.'),
    request: str('A single request of that claim to expose; empty exposes the whole claim.'),
  },
  { required: ['name'] },
);

export const resourceRequirements = struct(core('ResourceRequirements'), 'Compute resources a container (or the pod) asks for and is capped at.', {
  limits: resourceList('Maximum amount of each resource allowed.'),
  requests: resourceList('Minimum amount of each resource needed; defaults to the limits when only limits are given.'),
  claims: keyedList(resourceClaim, ['name'], 'Dynamically allocated resources (pod resourceClaims) this container uses.'),
});

export const volumeResourceRequirements = struct(core('VolumeResourceRequirements'), 'Storage a volume claim asks for.', {
  limits: resourceList('Maximum amount of storage.'),
  requests: resourceList('Minimum amount of storage, e.g. storage: 1Gi.'),
});
