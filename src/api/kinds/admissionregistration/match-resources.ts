// admissionregistration.k8s.io/v1 MatchResources and NamedRuleWithOperations: which requests a
// ValidatingAdmissionPolicy (or its binding) looks at. Schema, defaults and Kubernetes' validation.

import { fieldErr } from '../../errors.js';
import type { FieldError } from '../../kind.js';
import { labelSelector } from '../../meta.js';
import { enumOf, listOf, str, struct } from '../../schema.js';
import { checkLabelSelector, isObj, type Obj, objects } from '../workloads/checks.js';

const ar = (n: string) => `io.k8s.api.admissionregistration.v1.${n}`;

export const OPERATIONS = ['*', 'CREATE', 'UPDATE', 'DELETE', 'CONNECT'];
export const SCOPES = ['*', 'Cluster', 'Namespaced'];

export const namedRuleWithOperations = struct(ar('NamedRuleWithOperations'), 'Operations and resources to match, optionally limited to some names.', {
  resourceNames: listOf(str(), 'Names the rule applies to; empty means all.'),
  operations: listOf(enumOf(OPERATIONS), 'CREATE, UPDATE, DELETE, CONNECT or * for all.'),
  apiGroups: listOf(str(), "API groups; '' is the core group, * all groups."),
  apiVersions: listOf(str(), 'API versions; * all versions.'),
  resources: listOf(str(), "Resources ('pods', 'pods/status', '*', '*/scale')."),
  scope: enumOf(SCOPES, 'Cluster, Namespaced or * (default).'),
});

export const matchResources = struct(ar('MatchResources'), 'Which requests to match by resource, namespace and object labels.', {
  namespaceSelector: labelSelector,
  objectSelector: labelSelector,
  resourceRules: listOf(namedRuleWithOperations, 'Resources and operations to match.'),
  excludeResourceRules: listOf(namedRuleWithOperations, 'Resources and operations not to match (wins over resourceRules).'),
  matchPolicy: enumOf(['Exact', 'Equivalent'], 'Equivalent (default): also match a request made through another version of a matched resource.'),
});

/** Kubernetes' defaults: empty selectors, matchPolicy Equivalent, rule scope *. */
export function defaultMatchResources(m: unknown) {
  if (!isObj(m)) return;
  m.namespaceSelector ??= {};
  m.objectSelector ??= {};
  m.matchPolicy ??= 'Equivalent';
  for (const r of [...objects(m.resourceRules), ...objects(m.excludeResourceRules)]) r.scope ??= '*';
}

function checkRule(path: string, r: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const list = (f: string) => (Array.isArray(r[f]) ? (r[f] as unknown[]) : []);
  for (const f of ['operations', 'apiGroups', 'apiVersions', 'resources']) if (list(f).length === 0) errs.push(fieldErr.required(`${path}.${f}`));
  const ops = list('operations');
  if (ops.includes('*') && ops.length > 1) errs.push(fieldErr.invalid(`${path}.operations`, ops, "if '*' is present, must not specify other operations"));
  ops.forEach((o, i) => {
    if (!OPERATIONS.includes(o as string)) errs.push(fieldErr.notSupported(`${path}.operations[${i}]`, o, OPERATIONS));
  });
  for (const f of ['apiGroups', 'apiVersions']) {
    const v = list(f);
    if (v.includes('*') && v.length > 1) errs.push(fieldErr.invalid(`${path}.${f}`, v, "if '*' is present, must not specify other " + (f === 'apiGroups' ? 'API groups' : 'API versions')));
    v.forEach((x, i) => {
      if (f === 'apiVersions' && x === '') errs.push(fieldErr.required(`${path}.${f}[${i}]`, 'version must not be empty'));
    });
  }
  list('resources').forEach((x, i) => {
    if (x === '') errs.push(fieldErr.required(`${path}.resources[${i}]`));
    else if (typeof x === 'string' && x.split('/').length > 2) errs.push(fieldErr.invalid(`${path}.resources[${i}]`, x, 'resource and subresource must be separated by a single slash'));
  });
  if (r.scope !== undefined && !SCOPES.includes(r.scope as string)) errs.push(fieldErr.notSupported(`${path}.scope`, r.scope, SCOPES));
  return errs;
}

/** requireRules: a policy's matchConstraints must name resources; a binding's matchResources need not. */
export function checkMatchResources(path: string, m: unknown, requireRules: boolean): FieldError[] {
  if (!isObj(m)) return requireRules ? [fieldErr.required(path)] : [];
  const errs: FieldError[] = [];
  if (requireRules && objects(m.resourceRules).length === 0) errs.push(fieldErr.required(`${path}.resourceRules`));
  for (const [i, r] of objects(m.resourceRules).entries()) errs.push(...checkRule(`${path}.resourceRules[${i}]`, r));
  for (const [i, r] of objects(m.excludeResourceRules).entries()) errs.push(...checkRule(`${path}.excludeResourceRules[${i}]`, r));
  errs.push(...checkLabelSelector(`${path}.namespaceSelector`, m.namespaceSelector), ...checkLabelSelector(`${path}.objectSelector`, m.objectSelector));
  if (m.matchPolicy !== undefined && m.matchPolicy !== 'Exact' && m.matchPolicy !== 'Equivalent') errs.push(fieldErr.notSupported(`${path}.matchPolicy`, m.matchPolicy, ['Equivalent', 'Exact']));
  return errs;
}
