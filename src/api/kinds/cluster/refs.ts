// References between objects, shared by several core kinds.

import { int32, str, struct } from '../../schema.js';

export const objectReference = struct(
  'io.k8s.api.core.v1.ObjectReference',
  'A reference to another object.',
  {
    kind: str('Kind of the referent.'),
    namespace: str('Namespace of the referent.'),
    name: str('Name of the referent.'),
    uid: str('UID of the referent.'),
    apiVersion: str('API version of the referent.'),
    resourceVersion: str("The referent's resourceVersion this reference was made at."),
    fieldPath: str('A field inside the referent, e.g. spec.containers{web}.'),
  },
  { mapType: 'atomic' },
);

export const localObjectReference = struct(
  'io.k8s.api.core.v1.LocalObjectReference',
  'A reference to an object by name in the same namespace.',
  {
    name: str('Name of the referent.'),
  },
  { mapType: 'atomic' },
);

export const typedLocalObjectReference = struct(
  'io.k8s.api.core.v1.TypedLocalObjectReference',
  'A reference to a typed object in the same namespace.',
  {
    apiGroup: str('API group of the referent; empty for the core group.'),
    kind: str('Kind of the referent.'),
    name: str('Name of the referent.'),
  },
  { required: ['kind', 'name'], mapType: 'atomic' },
);

export const secretReference = struct(
  'io.k8s.api.core.v1.SecretReference',
  'A reference to a Secret in any namespace.',
  {
    name: str('Name of the secret.'),
    namespace: str('Namespace of the secret.'),
  },
  { mapType: 'atomic' },
);

export const portStatus = struct(
  'io.k8s.api.core.v1.PortStatus',
  'The state of one port of a load balancer.',
  {
    port: int32('Port number.'),
    protocol: str('Protocol: TCP, UDP or SCTP.'),
    error: str('Why the port is in error, if it is.'),
  },
  { required: ['port', 'protocol'] },
);
