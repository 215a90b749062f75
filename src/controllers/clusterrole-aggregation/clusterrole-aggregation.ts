// The ClusterRole aggregation controller: a ClusterRole with an aggregationRule gets, as its rules,
// the union of the rules of every other ClusterRole matching any of its selectors (in name order,
// duplicates dropped), so admin, edit and view pick up custom roles labelled
// rbac.authorization.k8s.io/aggregate-to-*. Any ClusterRole change re-evaluates every aggregated
// role (edit feeds admin, view feeds edit: chains settle as each update arrives).

import type { KObject } from '../../api/kind.js';
import type { ClusterRole, PolicyRule } from '../../api/kinds/rbac/types.js';
import { type LabelSelectorObject, selectorFromObject } from '../../api/labels.js';
import type { InformerLike } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { isConflict, isNotFound, type ResourceRef, type RestClient } from '../../client/rest.js';
import type { Logger } from '../../util/log.js';
import { Controller } from '../controller.js';

const clusterroles: ResourceRef = { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterroles', namespaced: false };

/** The rules an aggregated role should have, from the roles there are (pure, for tests). */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const selectors = (role.aggregationRule?.clusterRoleSelectors ?? []).map((s: LabelSelectorObject) => selectorFromObject(s));
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  const sources = all.filter((r) => r.metadata?.name !== role.metadata?.name && selectors.some((s) => s.matches(r.metadata?.labels ?? {})));
  sources.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const src of sources) {
    for (const rule of src.rules ?? []) {
      const key = JSON.stringify(rule);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(rule);
    }
  }
  return out;
}

export class ClusterRoleAggregationController extends Controller {
  private roles: InformerLike;

  constructor(
    private client: RestClient,
    factory: InformerFactory,
    log: Logger,
  ) {
    super('clusterrole-aggregation', log, factory, 1);
    this.roles = this.informers.informer(clusterroles);
    this.watch(this.roles, () => this.aggregatedNames());
  }

  private aggregatedNames(): string[] {
    return this.roles
      .list()
      .filter((r) => (r as ClusterRole).aggregationRule)
      .map((r) => r.metadata?.name ?? '');
  }

  protected async reconcile(name: string) {
    const role = this.roles.get(name) as ClusterRole | undefined;
    if (!role?.aggregationRule) return;
    const rules = aggregatedRules(role, this.roles.list() as ClusterRole[]);
    if (JSON.stringify(role.rules ?? []) === JSON.stringify(rules)) return;
    const next = { ...structuredClone(role), rules } as KObject;
    try {
      await this.client.update(clusterroles, next);
      this.log.info('aggregated cluster role', { name, rules: rules.length });
    } catch (e) {
      // Changed or gone meanwhile: the informer's next event brings this key back.
      if (isConflict(e) || isNotFound(e)) return;
      throw e;
    }
  }
}
