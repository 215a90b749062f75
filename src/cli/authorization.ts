// The authorizer chain `gifee server` runs, in Kubernetes' order: members of system:masters, then
// the Node authorizer, then RBAC.

import type { ApiState } from '../apiserver/context.js';
import { AuthorizerChain, privilegedGroupAuthorizer } from '../apiserver/authz/chain.js';
import type { Authorizer } from '../apiserver/authz/types.js';
import { installNodeAuthorization, nodeIdentity } from '../apiserver/authz/node/index.js';

/**
 * STAND-IN for RBAC until branch `rbac` is merged (replace it with the RBAC authorizer): allows every
 * user except nodes, which RBAC grants nothing by default (Kubernetes' system:node ClusterRoleBinding
 * has no subjects), so a node's request the Node authorizer did not allow is refused, as it will be.
 */
const rbacStandIn: Authorizer = {
  name: 'rbac-stand-in',
  authorize: (a) => (nodeIdentity(a.user) !== undefined ? { decision: 'noOpinion', reason: '' } : { decision: 'allow', reason: 'RBAC is not in this build yet' }),
};

export function serverAuthorizer(state: ApiState): Authorizer {
  return new AuthorizerChain([privilegedGroupAuthorizer, installNodeAuthorization(state), rbacStandIn]);
}
