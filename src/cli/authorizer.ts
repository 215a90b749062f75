// The API server's authorizer chain for an --authorization-mode: system:masters first (any request),
// then RBAC. (A Node authorizer goes before RBAC when it lands.) AlwaysAllow allows everything.

import type { ApiState } from '../apiserver/context.js';
import { AuthorizerChain, alwaysAllow, privilegedGroupAuthorizer } from '../apiserver/authz/chain.js';
import { installRbac } from '../apiserver/authz/rbac/install.js';
import type { Authorizer } from '../apiserver/authz/types.js';
import type { AuthorizationMode } from './authz-flags.js';

export function authorizerOf(mode: AuthorizationMode): (state: ApiState) => Authorizer {
  if (mode === 'AlwaysAllow') return () => alwaysAllow;
  return (state) => new AuthorizerChain([privilegedGroupAuthorizer, installRbac(state).authorizer]);
}
