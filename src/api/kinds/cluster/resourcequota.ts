// v1 ResourceQuota: hard limits on what a namespace may consume (compute, storage, object counts),
// optionally for the pods of some scopes only. status.hard/used are kept by the quota controller and
// charged by quota admission (src/apiserver/admission/resource-quota.ts). `kubectl get` shows
// NAME AGE REQUEST LIMIT, as Kubernetes' printer does.

import type { KindDef, KObject } from '../../kind.js';
import { kindSchema } from '../../meta.js';
import { listOf, str, struct } from '../../schema.js';
import { age } from '../../table.js';
import { formatAmount, parseAmount, ZERO } from '../../quota/amount.js';
import { validateResourceQuota } from '../../quota/validate-quota.js';
import { coreName as core, resourceList } from '../workloads/refs.js';

const scopedResourceSelectorRequirement = struct(
  core('ScopedResourceSelectorRequirement'),
  'A scope, an operator and values: which objects a quota tracks.',
  {
    scopeName: str('The scope the selector applies to: BestEffort, CrossNamespacePodAffinity, NotBestEffort, NotTerminating, PriorityClass or Terminating.'),
    operator: str("The scope's relationship to the values: In, NotIn, Exists or DoesNotExist."),
    values: listOf(str(), 'Values for In and NotIn (empty for Exists and DoesNotExist).'),
  },
  { required: ['scopeName', 'operator'] },
);

const scopeSelector = struct(
  core('ScopeSelector'),
  'Scope requirements, ANDed.',
  {
    matchExpressions: listOf(scopedResourceSelectorRequirement, 'Scope requirements, ANDed.'),
  },
  { mapType: 'atomic' },
);

/** "requests.cpu: 500m/1, pods: 2/4" for the REQUEST and LIMIT columns: limits.* in LIMIT, everything else in REQUEST. */
function usageCell(o: KObject, limits: boolean): string {
  const status = (o.status ?? {}) as { hard?: Record<string, unknown>; used?: Record<string, unknown> };
  const hard = status.hard ?? {};
  const used = status.used ?? {};
  return Object.keys(hard)
    .sort()
    .filter((k) => (k.split('.')[0] === 'limits' && k.includes('.')) === limits)
    .map((k) => `${k}: ${formatAmount(parseAmount(used[k]) ?? ZERO)}/${formatAmount(parseAmount(hard[k]) ?? ZERO)}`)
    .join(', ');
}

export const resourceQuota: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  plural: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  schema: kindSchema(core('ResourceQuota'), 'Limits on the aggregate resource consumption of a namespace.', {
    spec: struct(core('ResourceQuotaSpec'), 'The hard limits to enforce, and which objects they apply to.', {
      hard: resourceList('The limit per named resource.'),
      // Plain strings, not enums: an unknown scope is refused by validation with Kubernetes' own message.
      scopes: listOf(str(), 'Filters every tracked object must match (BestEffort, NotBestEffort, Terminating, NotTerminating, PriorityClass, CrossNamespacePodAffinity); none: all objects.'),
      scopeSelector: scopeSelector,
    }),
    status: struct(core('ResourceQuotaStatus'), 'The enforced limits and the observed usage.', {
      hard: resourceList('The enforced limit per named resource.'),
      used: resourceList('The observed total usage per resource in the namespace.'),
    }),
  }),
  subresources: { status: true },
  printerColumns: [
    { name: 'Age', type: 'string', description: 'Time since the quota was created.', cell: (o) => age(o.metadata?.creationTimestamp) },
    { name: 'Request', type: 'string', description: 'Request represents a minimum amount of cpu/memory that a container may consume.', cell: (o) => usageCell(o, false) },
    { name: 'Limit', type: 'string', description: 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.', cell: (o) => usageCell(o, true) },
  ],
  validate: (o, old) => validateResourceQuota(o, old),
};
