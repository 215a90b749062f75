// Privilege escalation prevention, as Kubernetes' RBAC storage: a Role or ClusterRole may only be
// written by someone who holds every rule it grants (or may `escalate` roles), and a binding only by
// someone who holds the rules of the role it names (or may `bind` that role); system:masters always
// may. Setting an aggregationRule needs full authority. Refusals are 403s naming what is missing,
// worded as Kubernetes words them. "Holds" is the authorizer chain's answer (its rulesFor).

import { ApiError } from '../../../api/errors.js';
import { type Binding, type ClusterRole, type PolicyRule, RBAC_GROUP } from '../../../api/kinds/rbac/types.js';
import type { AdmissionPlugin, AdmissionRequest } from '../../admission/chain.js';
import type { UserInfo } from '../../context.js';
import { isRuleResolver } from '../chain.js';
import type { Authorizer } from '../types.js';
import { compactRules, ruleString, TooManyPermissions, uncovered } from './covers.js';
import type { PolicyIndex } from './policy-index.js';

const RESOURCES = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);
const MAX_LISTED = 100;
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

const forbidden = (resource: string, name: string, why: string) => new ApiError(403, 'Forbidden', `${resource}.${RBAC_GROUP} "${name}" is forbidden: ${why}`, { name, group: RBAC_GROUP, kind: resource });

/** Go's %q of a string slice: ["a" "b"]. */
const goQuoted = (l: readonly string[]) => `[${l.map((s) => JSON.stringify(s)).join(' ')}]`;

/** The rules a user holds in a namespace ('' for cluster scope), as resolvable policy rules. */
async function heldRules(authorizer: Authorizer, user: UserInfo, namespace: string): Promise<{ rules: PolicyRule[]; errors: string[] }> {
  if (!isRuleResolver(authorizer)) return { rules: [], errors: ['the authorizer cannot list rules'] };
  const r = await authorizer.rulesFor(user, namespace);
  const rules: PolicyRule[] = [...r.resourceRules.map((x) => ({ ...x, verbs: x.verbs })), ...r.nonResourceRules.map((x) => ({ verbs: x.verbs, nonResourceURLs: x.nonResourceURLs }))];
  return { rules, errors: r.evaluationError ? [r.evaluationError] : [] };
}

/** Throws the 403 when `user` does not hold every rule in `rules` (Kubernetes' ConfirmNoEscalation). */
export async function confirmNoEscalation(authorizer: Authorizer, user: UserInfo, namespace: string, rules: readonly PolicyRule[], resource: string, name: string): Promise<void> {
  const held = await heldRules(authorizer, user, namespace);
  let missing: PolicyRule[];
  try {
    missing = uncovered(held.rules, rules);
  } catch (e) {
    if (e instanceof TooManyPermissions) throw forbidden(resource, name, `user ${JSON.stringify(user.name)} (groups=${goQuoted(user.groups)}) is attempting to grant RBAC permissions that cannot be verified: ${e.message}`);
    throw e;
  }
  if (missing.length === 0) return;
  const all = [...new Set(compactRules(missing).map(ruleString))].sort();
  // Bounded: a role missing thousands of permissions gets the first hundred named.
  const lines = all.length > MAX_LISTED ? [...all.slice(0, MAX_LISTED), `...and ${all.length - MAX_LISTED} more`] : all;
  let msg = `user ${JSON.stringify(user.name)} (groups=${goQuoted(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (held.errors.length) msg += `; resolution errors: [${held.errors.join(' ')}]`;
  throw forbidden(resource, name, msg);
}

async function allowedTo(authorizer: Authorizer, user: UserInfo, verb: string, resource: string, namespace: string | undefined, name: string): Promise<boolean> {
  const r = await authorizer.authorize({ user, verb, resourceRequest: true, apiGroup: RBAC_GROUP, apiVersion: '*', resource, namespace: namespace || undefined, name });
  return r.decision === 'allow';
}

const sameJSON = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function escalationPlugin(index: PolicyIndex): AdmissionPlugin {
  return {
    // Not one of Kubernetes' admission plugins (its RBAC storage does this): runs after them, on what would be stored.
    name: 'RBACEscalationPrevention',
    handles: (a) => (a.operation === 'CREATE' || a.operation === 'UPDATE') && !a.subresource && a.rc.info.group === RBAC_GROUP && RESOURCES.has(a.rc.info.resource),
    async validate(a: AdmissionRequest) {
      const user = a.rc.user;
      if (user.groups.includes('system:masters') || !a.obj) return;
      const authorizer = a.rc.api.authorizer;
      const resource = a.rc.info.resource;
      const obj = a.obj;
      const name = obj.metadata?.name ?? '';
      const namespace = obj.metadata?.namespace ?? '';
      if (resource === 'roles' || resource === 'clusterroles') {
        const role = obj as ClusterRole;
        const old = a.old as ClusterRole | undefined;
        const aggregationChanged = role.aggregationRule && (!old || !sameJSON(role.aggregationRule, old.aggregationRule));
        if (aggregationChanged) {
          const held = await heldRules(authorizer, user, namespace);
          if (uncovered(held.rules, FULL_AUTHORITY).length > 0) throw forbidden(resource, name, 'must have cluster-admin privileges to use the aggregationRule');
        }
        // Writes that leave the rules alone (labels, finalizers) grant nothing new.
        if (old && sameJSON(role.rules, old.rules)) return;
        if (await allowedTo(authorizer, user, 'escalate', resource, namespace, name)) return;
        return confirmNoEscalation(authorizer, user, namespace, role.rules ?? [], resource, name);
      }
      const binding = obj as Binding;
      const ref = binding.roleRef;
      const refResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
      if (await allowedTo(authorizer, user, 'bind', refResource, namespace, ref.name)) return;
      const rules = ref.kind === 'Role' ? index.roles.get(`${namespace}/${ref.name}`)?.rules : index.clusterRoles.get(ref.name)?.rules;
      const exists = ref.kind === 'Role' ? index.roles.has(`${namespace}/${ref.name}`) : index.clusterRoles.has(ref.name);
      if (!exists) throw forbidden(resource, name, `${refResource}.${RBAC_GROUP} ${JSON.stringify(ref.name)} not found`);
      return confirmNoEscalation(authorizer, user, namespace, rules ?? [], resource, name);
    },
  };
}
