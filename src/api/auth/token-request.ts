// authentication.k8s.io/v1 TokenRequest, the body of serviceaccounts/token: not a stored kind, but
// its schema lets kubectl's protobuf bodies be decoded like any other.

import { kindSchema } from '../meta.js';
import { int64, listOf, str, struct, time } from '../schema.js';

export const boundObjectReference = struct('io.k8s.api.authentication.v1.BoundObjectReference', 'The object a token is bound to: the token is valid only while it exists.', {
  kind: str("Kind of the referent: 'Pod', 'Secret' or 'Node'."),
  apiVersion: str('API version of the referent.'),
  name: str('Name of the referent.'),
  uid: str('UID of the referent.'),
});

export const tokenRequestSchema = kindSchema('io.k8s.api.authentication.v1.TokenRequest', 'A request for a service account token.', {
  spec: struct('io.k8s.api.authentication.v1.TokenRequestSpec', "The token's audiences, lifetime and bound object.", {
    audiences: listOf(str(), "Intended audiences of the token (default: the API server's)."),
    expirationSeconds: int64('Requested validity of the token, in seconds.'),
    boundObjectRef: boundObjectReference,
  }),
  status: struct('io.k8s.api.authentication.v1.TokenRequestStatus', 'The issued token.', {
    token: str('The bearer token.'),
    expirationTimestamp: time('When the token expires.'),
  }),
});
