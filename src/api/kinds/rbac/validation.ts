// Kubernetes' validation of RBAC objects (pkg/apis/rbac/validation), with its field paths and words:
// rules need verbs and either resources with groups or non-resource URLs; bindings name a role of
// the right kind in rbac.authorization.k8s.io and subjects of a known kind; roleRef never changes.

import { fieldErr } from '../../errors.js';
import type { FieldError, KObject } from '../../kind.js';
import { dns1123Subdomain } from '../../names.js';
import { checkLabelSelector } from '../workloads/checks.js';
import { type Binding, type ClusterRole, RBAC_GROUP, type PolicyRule } from './types.js';

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A role or binding name, and a roleRef name: any path segment (system:* names have colons). */
export function pathSegmentNameErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  if (/[/%]/.test(name)) return [`may not contain '/' or '%'`];
  return [];
}

export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (list(rule.verbs).length === 0) errs.push(fieldErr.required(`${path}.verbs`, 'verbs must contain at least one value'));
  const urls = list(rule.nonResourceURLs);
  if (urls.length > 0) {
    if (namespaced) errs.push(fieldErr.invalid(`${path}.nonResourceURLs`, urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (list(rule.apiGroups).length > 0 || list(rule.resources).length > 0 || list(rule.resourceNames).length > 0) {
      errs.push(fieldErr.invalid(`${path}.nonResourceURLs`, urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (list(rule.apiGroups).length === 0) errs.push(fieldErr.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (list(rule.resources).length === 0) errs.push(fieldErr.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(obj: KObject, namespaced: boolean): FieldError[] {
  return list(obj.rules).flatMap((r, i) => (isObj(r) ? validatePolicyRule(r as unknown as PolicyRule, namespaced, `rules[${i}]`) : []));
}

export const validateRole = (obj: KObject): FieldError[] => validateRules(obj, true);

export function validateClusterRole(obj: KObject): FieldError[] {
  const errs = validateRules(obj, false);
  const agg = (obj as ClusterRole).aggregationRule;
  if (isObj(agg)) {
    const selectors = list(agg.clusterRoleSelectors);
    if (selectors.length === 0) errs.push(fieldErr.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    selectors.forEach((s, i) => {
      errs.push(...checkLabelSelector(`aggregationRule.clusterRoleSelectors[${i}]`, s));
    });
  }
  return errs;
}

function validateSubject(s: Record<string, unknown>, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = typeof s.name === 'string' ? s.name : '';
  if (!name) errs.push(fieldErr.required(`${path}.name`));
  const apiGroup = s.apiGroup ?? '';
  switch (s.kind) {
    case 'ServiceAccount':
      if (name) for (const e of dns1123Subdomain(name)) errs.push(fieldErr.invalid(`${path}.name`, name, e));
      if (apiGroup !== '') errs.push(fieldErr.notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(fieldErr.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(fieldErr.notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(fieldErr.notSupported(`${path}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(obj: KObject, old: KObject | undefined, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const b = obj as Binding;
  const ref = isObj(b.roleRef) ? b.roleRef : ({} as Binding['roleRef']);
  if (ref.apiGroup !== RBAC_GROUP) errs.push(fieldErr.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.push(fieldErr.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(fieldErr.required('roleRef.name'));
  else for (const e of pathSegmentNameErrors(ref.name)) errs.push(fieldErr.invalid('roleRef.name', ref.name, e));
  list(b.subjects).forEach((s, i) => {
    if (isObj(s)) errs.push(...validateSubject(s, namespaced, `subjects[${i}]`));
  });
  if (old) {
    const was = (old as Binding).roleRef;
    if (JSON.stringify(was) !== JSON.stringify(b.roleRef)) errs.push(fieldErr.invalid('roleRef', b.roleRef, 'cannot change roleRef'));
  }
  return errs;
}

export const validateRoleBinding = (obj: KObject, old?: KObject) => validateBinding(obj, old, true);
export const validateClusterRoleBinding = (obj: KObject, old?: KObject) => validateBinding(obj, old, false);

/** v1 defaulting: subjects' apiGroup by kind (Users and Groups in the RBAC group, ServiceAccounts in core). */
export function defaultSubjects(obj: KObject) {
  for (const s of list((obj as Binding).subjects)) {
    if (!isObj(s) || s.apiGroup !== undefined) continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
    else if (s.kind === 'ServiceAccount') s.apiGroup = '';
  }
}
