// RBAC in an API server: the policy in memory (fed by the four kinds' watch hubs), the authorizer
// over it, escalation prevention on RBAC writes, and the bootstrap policy reconciled at start-up
// before the server says it is ready.

import type { ApiState } from '../../context.js';
import { RbacAuthorizer } from './authorizer.js';
import { escalationPlugin } from './escalation.js';
import { PolicyIndex, type RbacKind } from './policy-index.js';
import { reconcileBootstrapPolicy } from './reconcile.js';
import { WatchedKind } from '../../storage/watched-kind.js';

const KINDS: [RbacKind, string][] = [
  ['Role', 'roles'],
  ['ClusterRole', 'clusterroles'],
  ['RoleBinding', 'rolebindings'],
  ['ClusterRoleBinding', 'clusterrolebindings'],
];

export interface InstalledRbac {
  authorizer: RbacAuthorizer;
  index: PolicyIndex;
}

/** Sets up RBAC on this server's state; returns the authorizer to put in the chain. */
export function installRbac(state: ApiState): InstalledRbac {
  const index = new PolicyIndex();
  const watched: WatchedKind[] = [];
  for (const [kind, resource] of KINDS) {
    const def = state.registry.byResource('rbac.authorization.k8s.io', 'v1', resource);
    if (!def) continue;
    watched.push(
      new WatchedKind({
        what: `RBAC cache (${resource})`,
        objects: () => state.objects(def),
        hub: () => state.hub(def),
        sink: { clear: () => index.clear(kind), put: (o) => index.put(kind, o), remove: (o) => index.remove(kind, o) },
        log: state.log.child({ component: 'rbac-cache', kind }),
      }),
    );
  }
  // A re-list after a lost watch keeps the policy held deciding, as an informer's cache would.
  const authorizer = new RbacAuthorizer(index, () => watched.every((w) => w.filled));
  state.admission.register(escalationPlugin(index));
  state.postStartHooks.push({
    name: 'rbac/bootstrap-roles',
    run: async () => {
      const began = performance.now();
      // A store hiccup at start-up is retried (Kubernetes retries its RBAC post-start hook too).
      for (let attempt = 1; ; attempt++) {
        try {
          await reconcileBootstrapPolicy(state);
          break;
        } catch (e) {
          if (attempt >= 5) throw e;
          state.log.warn('could not reconcile the RBAC bootstrap policy; retrying', { attempt, err: e instanceof Error ? e.message : String(e) });
          await new Promise((r) => setTimeout(r, 500 * attempt));
        }
      }
      const reconciled = performance.now();
      await Promise.all(watched.map((w) => w.start()));
      state.log.info('RBAC policy ready', { reconcileMs: Math.round(reconciled - began), cacheMs: Math.round(performance.now() - reconciled), ...index.size });
    },
  });
  return { authorizer, index };
}
