// The shapes of rbac.authorization.k8s.io/v1 objects, shared by the API server's authorizer, its
// escalation check and bootstrap policy, and the aggregation controller.

import type { KObject } from '../../kind.js';
import type { LabelSelectorObject } from '../../labels.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const RBAC_API_VERSION = `${RBAC_GROUP}/v1`;
/** Bootstrap objects carrying this annotation "true" are reconciled at every API server start. */
export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole' | string;
  name: string;
}

export type Role = KObject & { rules?: PolicyRule[] | null };
export type ClusterRole = Role & { aggregationRule?: { clusterRoleSelectors?: LabelSelectorObject[] } | null };
export type Binding = KObject & { roleRef: RoleRef; subjects?: Subject[] | null };
