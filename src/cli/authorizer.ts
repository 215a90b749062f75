// The API server's authorizer chain for an --authorization-mode, in Kubernetes' order: members of
// system:masters first (any request), then the Node authorizer (a node reaches only what its pods
// use), then RBAC. AlwaysAllow allows everything.

import type { ApiState } from '../apiserver/context.js';
import { AuthorizerChain, alwaysAllow, privilegedGroupAuthorizer } from '../apiserver/authz/chain.js';
import { installRbac } from '../apiserver/authz/rbac/install.js';
import { installNodeAuthorization } from '../apiserver/authz/node/index.js';
import type { Authorizer } from '../apiserver/authz/types.js';
import type { AuthorizationMode } from './authz-flags.js';

export function authorizerOf(mode: AuthorizationMode): (state: ApiState) => Authorizer {
  if (mode === 'AlwaysAllow') return () => alwaysAllow;
  return (state) => new AuthorizerChain([privilegedGroupAuthorizer, installNodeAuthorization(state), installRbac(state).authorizer]);
}
