// rbac.authorization.k8s.io/v1 kinds.
import type { KindDef } from '../../kind.js';
import { clusterRoleBinding, roleBinding } from './bindings.js';
import { clusterRole, role } from './roles.js';

export const rbacKinds: KindDef[] = [role, clusterRole, roleBinding, clusterRoleBinding];
