// Kubernetes' Node authorizer: a node agent (user system:node:NAME in group system:nodes) reads only
// the Secrets, ConfigMaps, PVCs, PVs and ServiceAccount tokens its own pods need (by the graph of
// pods bound to it), only its own Lease, and otherwise what the system:node rules allow. It never
// denies: for anything else it has no opinion, and the next authorizer (RBAC) decides. Reasons are
// worded as Kubernetes' are, since they end up in 403 messages.

import { isStorageSidecarsAccount } from '../../../api/auth/storage-sidecars.js';
import { isIngressControllerAccount } from '../../../api/auth/ingress-controller.js';
import type { UserInfo } from '../../context.js';
import type { Attributes, AuthorizationResult, Authorizer, RuleResolver, RulesResult } from '../types.js';
import type { NodeGraph } from './graph.js';
import { nodeRulesAllow } from './rules.js';

export const NODES_GROUP = 'system:nodes';
const NODE_USER_PREFIX = 'system:node:';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** The node a user is, as Kubernetes' NodeIdentifier: undefined for non-nodes, '' for a node user without a name. */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.groups.includes(NODES_GROUP) || !user.name.startsWith(NODE_USER_PREFIX)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length);
}

const allow: AuthorizationResult = { decision: 'allow', reason: '' };
const noOpinion = (reason = ''): AuthorizationResult => ({ decision: 'noOpinion', reason });

export class NodeAuthorizer implements Authorizer, RuleResolver {
  readonly name = 'Node';
  constructor(private graph: NodeGraph) {}

  authorize(a: Attributes): AuthorizationResult {
    const node = nodeIdentity(a.user);
    if (node === undefined) return noOpinion();
    if (!node) return noOpinion(`unknown node for user "${a.user.name}"`);
    if (a.resourceRequest) {
      const decided = this.byGraph(node, a);
      if (decided) return decided;
    }
    return nodeRulesAllow(a) ? allow : noOpinion();
  }

  /** As Kubernetes': a node's permissions depend on its pods, so they are not listed (SelfSubjectRulesReview says so). */
  rulesFor(user: UserInfo): RulesResult {
    if (nodeIdentity(user) === undefined) return { resourceRules: [], nonResourceRules: [], incomplete: false };
    return { resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' };
  }

  /** Decisions for the kinds the graph governs; undefined for the others. */
  private byGraph(node: string, a: Attributes): AuthorizationResult | undefined {
    const group = a.apiGroup ?? '';
    if (group === '') {
      switch (a.resource) {
        case 'secrets':
          return this.readNamespaced(node, 'secret', a);
        case 'configmaps':
          return this.readNamespaced(node, 'configmap', a);
        case 'persistentvolumeclaims':
          // Node expansion: the agent writes status.capacity and drops FileSystemResizePending on the
          // claims its pods use (NodeRestriction keeps the write to those two fields).
          if (a.subresource === 'status') return this.statusUpdate(a) ?? this.related(node, this.graph.references(node, 'pvc', a.namespace ?? '', a.name ?? ''));
          return this.getOnly(a) ?? this.related(node, this.graph.references(node, 'pvc', a.namespace ?? '', a.name ?? ''));
        case 'persistentvolumes':
          return this.getOnly(a) ?? this.related(node, this.graph.referencesVolume(node, a.name ?? ''));
        case 'serviceaccounts':
          if (a.verb !== 'create' || !a.name) return noOpinion('can only create tokens for individual service accounts');
          if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
          // gifee: every agent's storage sidecars act as this one account (NodeRestriction: only with a token bound to the node itself).
          if (isStorageSidecarsAccount(a.namespace, a.name)) return allow;
          // gifee: and their ingress controllers as this one (same limits).
          if (isIngressControllerAccount(a.namespace, a.name)) return allow;
          return this.related(node, this.graph.references(node, 'serviceaccount', a.namespace ?? '', a.name));
      }
    }
    if (group === 'coordination.k8s.io' && a.resource === 'leases') return this.lease(node, a);
    return undefined;
  }

  private readNamespaced(node: string, kind: 'secret' | 'configmap', a: Attributes): AuthorizationResult {
    if (!['get', 'list', 'watch'].includes(a.verb)) return noOpinion('can only read resources of this type');
    if (a.subresource) return noOpinion('cannot read subresource');
    if (!a.namespace) return noOpinion('can only read namespaced object of this type');
    if (!a.name) return noOpinion('No Object name found');
    return this.related(node, this.graph.references(node, kind, a.namespace, a.name));
  }

  private getOnly(a: Attributes): AuthorizationResult | undefined {
    if (a.verb !== 'get') return noOpinion('can only get individual resources of this type');
    if (a.subresource) return noOpinion('cannot get subresource');
    if (!a.name) return noOpinion('No Object name found');
    return undefined;
  }

  /** Kubernetes' authorizeStatusUpdate: update or patch of a named object's status only. */
  private statusUpdate(a: Attributes): AuthorizationResult | undefined {
    if (a.verb !== 'update' && a.verb !== 'patch') return noOpinion('can only get/update/patch this type');
    if (a.subresource !== 'status') return noOpinion('can only update status subresource');
    if (!a.name) return noOpinion('No Object name found');
    return undefined;
  }

  private related(node: string, found: boolean): AuthorizationResult {
    return found ? allow : noOpinion(`no relationship found between node '${node}' and this object`);
  }

  private lease(node: string, a: Attributes): AuthorizationResult {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease');
    if (a.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the ${NODE_LEASE_NAMESPACE} namespace`);
    // A create's name is in its body: NodeRestriction checks it.
    if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access node lease with the same name as the requesting node');
    return allow;
  }
}
