// Start-up reconciliation of the bootstrap policy, as Kubernetes' RBAC post-start hook: a missing
// object is created; an existing one annotated autoupdate=true gets what it lacks (labels,
// annotations, rules not covered, aggregation selectors, subjects) and keeps what users added; one
// annotated autoupdate=false is left alone. A binding whose roleRef differs is replaced (roleRef is
// immutable). Idempotent, and safe with several API servers on one store (conflicts retry).

import { randomUUID } from 'node:crypto';
import { defaultObject } from '../../../api/defaults.js';
import type { KindDef, KObject } from '../../../api/kind.js';
import { AUTOUPDATE_ANNOTATION, type Binding, type ClusterRole, type PolicyRule, type Subject } from '../../../api/kinds/rbac/types.js';
import type { ApiState } from '../../context.js';
import { nowSeconds } from '../../prepare.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, bootstrapRoleBindings, bootstrapRoles } from './bootstrap-policy.js';
import { controllerClusterRoleBindings, controllerClusterRoles } from './controller-policy.js';
import { uncovered } from './covers.js';
import { logFailure } from '../../../util/best-effort.js';

/** Labels and annotations the expected object has and the existing lacks; existing values win. */
function mergeMeta(existing: KObject, expected: KObject): boolean {
  let changed = false;
  const m = (existing.metadata ??= {});
  for (const f of ['labels', 'annotations'] as const) {
    const want = expected.metadata?.[f] ?? {};
    for (const [k, v] of Object.entries(want)) {
      if (m[f]?.[k] === undefined) {
        m[f] = { ...(m[f] ?? {}), [k]: v };
        changed = true;
      }
    }
  }
  return changed;
}

const sameJSON = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The existing role updated to hold the expected one (null: nothing to change). */
export function reconcileRole(existing: KObject, expected: ClusterRole): ClusterRole | null {
  if (existing.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return null;
  const next = structuredClone(existing) as ClusterRole;
  let changed = mergeMeta(next, expected);
  if (expected.aggregationRule) {
    // The aggregation controller owns an aggregated role's rules; only its selectors are reconciled.
    const have = next.aggregationRule?.clusterRoleSelectors ?? [];
    const missing = (expected.aggregationRule.clusterRoleSelectors ?? []).filter((s) => !have.some((h) => sameJSON(h, s)));
    if (missing.length || !next.aggregationRule) {
      next.aggregationRule = { clusterRoleSelectors: [...have, ...missing] };
      changed = true;
    }
  } else {
    const have = next.rules ?? [];
    const missing = (expected.rules ?? []).filter((r: PolicyRule) => uncovered(have, [r]).length > 0);
    if (missing.length) {
      next.rules = [...have, ...missing];
      changed = true;
    }
  }
  return changed ? next : null;
}

/** The existing binding updated with the expected subjects; 'replace' when its roleRef differs. */
export function reconcileBinding(existing: KObject, expected: Binding): Binding | 'replace' | null {
  if (existing.metadata?.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return null;
  const next = structuredClone(existing) as Binding;
  if (!sameJSON(next.roleRef, expected.roleRef)) return 'replace';
  let changed = mergeMeta(next, expected);
  const have = next.subjects ?? [];
  const same = (a: Subject, b: Subject) => a.kind === b.kind && a.name === b.name && (a.namespace ?? '') === (b.namespace ?? '');
  const missing = (expected.subjects ?? []).filter((s) => !have.some((h) => same(h, s)));
  if (missing.length) {
    next.subjects = [...have, ...missing];
    changed = true;
  }
  return changed ? next : null;
}

async function ensure(state: ApiState, def: KindDef, expected: KObject, reconcile: (existing: KObject) => KObject | 'replace' | null) {
  const objects = state.objects(def);
  const ns = expected.metadata?.namespace;
  const name = expected.metadata?.name ?? '';
  const create = async () => {
    const obj = structuredClone(expected);
    obj.metadata = { ...obj.metadata, uid: randomUUID(), creationTimestamp: nowSeconds() };
    defaultObject(def, obj);
    try {
      await objects.create(obj);
    } catch (e) {
      // Another API server on the same store made it first.
      if ((e as { reason?: string }).reason !== 'AlreadyExists') throw e;
    }
  };
  const cur = await objects.get(ns, name);
  if (!cur) return create();
  let replace = false;
  await objects.guaranteedUpdate(ns, name, (current) => {
    const r = reconcile(current);
    if (r === 'replace') replace = true;
    return r === 'replace' ? null : r;
  });
  if (replace) {
    state.log.info('replacing bootstrap binding with a changed roleRef', { name, namespace: ns });
    await objects.delete(ns, name).catch(logFailure(state.log, 'deleting the bootstrap binding to replace it', { name, namespace: ns }));
    await create();
  }
}

/** Creates or reconciles every bootstrap role and binding (roles first, so bindings never dangle). */
export async function reconcileBootstrapPolicy(state: ApiState): Promise<void> {
  const def = (resource: string) => state.registry.byResource('rbac.authorization.k8s.io', 'v1', resource);
  const roles = def('roles');
  const clusterRoles = def('clusterroles');
  const roleBindings = def('rolebindings');
  const clusterRoleBindings = def('clusterrolebindings');
  if (!roles || !clusterRoles || !roleBindings || !clusterRoleBindings) return;
  // Roles before bindings, so no binding dangles; each kind's objects in parallel (a first start writes about a hundred).
  await Promise.all([...bootstrapClusterRoles, ...controllerClusterRoles].map((r) => ensure(state, clusterRoles, r, (e) => reconcileRole(e, r))));
  await Promise.all(bootstrapRoles.map((r) => ensure(state, roles, r, (e) => reconcileRole(e, r))));
  await Promise.all([...bootstrapClusterRoleBindings, ...controllerClusterRoleBindings].map((b) => ensure(state, clusterRoleBindings, b, (e) => reconcileBinding(e, b))));
  await Promise.all(bootstrapRoleBindings.map((b) => ensure(state, roleBindings, b, (e) => reconcileBinding(e, b))));
}
