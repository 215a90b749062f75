// Validation of the access review kinds, as Kubernetes' authorization validation does it: exactly one
// of resourceAttributes and nonResourceAttributes, a subject for SubjectAccessReview, metadata that
// says nothing (reviews are never stored), and well-formed field and label selector requirements
// (1.31+; accepted even though our authorizers do not look at them).

import { fieldErr } from '../../errors.js';
import type { FieldError, KObject } from '../../kind.js';
import { qualifiedName } from '../../names.js';

type Requirement = { key?: string; operator?: string; values?: string[] };
type SelectorAttributes = { rawSelector?: string; requirements?: Requirement[] };
export type ResourceAttributesJson = {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  fieldSelector?: SelectorAttributes | null;
  labelSelector?: SelectorAttributes | null;
};
export type NonResourceAttributesJson = { path?: string; verb?: string };
export type AccessReviewSpec = {
  resourceAttributes?: ResourceAttributesJson | null;
  nonResourceAttributes?: NonResourceAttributesJson | null;
  user?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
  uid?: string;
};

export const specOf = (o: KObject): AccessReviewSpec => (o.spec && typeof o.spec === 'object' ? (o.spec as AccessReviewSpec) : {});
const present = (v: unknown) => v !== undefined && v !== null;

/** Go's zero value, as apimachinery's semantic equality sees it (nil and empty are equal). */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.values(v as object).every(isZero);
  return false;
}

/** metadata must be empty but for managedFields (and, for LocalSubjectAccessReview, the namespace). */
function emptyMetadata(o: KObject, allowNamespace: boolean): FieldError[] {
  const { managedFields: _m, namespace, ...rest } = o.metadata ?? {};
  if (isZero(rest) && (allowNamespace || isZero(namespace))) return [];
  return [fieldErr.invalid('metadata', o.metadata, allowNamespace ? 'must be empty except for namespace' : 'must be empty')];
}

function exactlyOneAttributes(spec: AccessReviewSpec): FieldError[] {
  const r = present(spec.resourceAttributes);
  const n = present(spec.nonResourceAttributes);
  if (r && n) return [fieldErr.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes')];
  if (!r && !n) return [fieldErr.invalid('spec.resourceAttributes', spec.nonResourceAttributes ?? null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  return [];
}

function requirementErrors(req: Requirement, path: string, kind: 'field' | 'label'): FieldError[] {
  const errs: FieldError[] = [];
  const key = req.key ?? '';
  if (kind === 'field' && key === '') errs.push(fieldErr.required(`${path}.key`, 'must be specified'));
  if (kind === 'label') for (const m of qualifiedName(key)) errs.push(fieldErr.invalid(`${path}.key`, key, m));
  const values = req.values ?? [];
  // Unknown operators are allowed: a newer client may know operators this server does not (Kubernetes does the same).
  if ((req.operator === 'In' || req.operator === 'NotIn') && values.length === 0) errs.push(fieldErr.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
  if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && values.length > 0) errs.push(fieldErr.forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  return errs;
}

function selectorErrors(sel: SelectorAttributes | null | undefined, path: string, kind: 'field' | 'label'): FieldError[] {
  if (!sel || typeof sel !== 'object') return [];
  const errs: FieldError[] = [];
  const reqs = Array.isArray(sel.requirements) ? sel.requirements : [];
  if (sel.rawSelector && reqs.length > 0) errs.push(fieldErr.invalid(`${path}.rawSelector`, sel.rawSelector, 'may not specified at the same time as requirements'));
  if (!sel.rawSelector && reqs.length === 0) errs.push(fieldErr.required(`${path}.requirements`, `when ${path} is specified, requirements or rawSelector is required`));
  reqs.forEach((r, i) => {
    if (r && typeof r === 'object') errs.push(...requirementErrors(r, `${path}.requirements[${i}]`, kind));
  });
  return errs;
}

function resourceAttributesErrors(spec: AccessReviewSpec): FieldError[] {
  const ra = spec.resourceAttributes;
  if (!ra || typeof ra !== 'object') return [];
  return [...selectorErrors(ra.fieldSelector, 'spec.resourceAttributes.fieldSelector', 'field'), ...selectorErrors(ra.labelSelector, 'spec.resourceAttributes.labelSelector', 'label')];
}

function subjectErrors(spec: AccessReviewSpec): FieldError[] {
  if (spec.user || (spec.groups?.length ?? 0) > 0) return [];
  return [fieldErr.invalid('spec.user', spec.user ?? '', 'at least one of user or group must be specified')];
}

export function validateSubjectAccessReview(o: KObject): FieldError[] {
  const spec = specOf(o);
  return [...exactlyOneAttributes(spec), ...subjectErrors(spec), ...resourceAttributesErrors(spec), ...emptyMetadata(o, false)];
}

export function validateSelfSubjectAccessReview(o: KObject): FieldError[] {
  const spec = specOf(o);
  return [...exactlyOneAttributes(spec), ...resourceAttributesErrors(spec), ...emptyMetadata(o, false)];
}

export function validateLocalSubjectAccessReview(o: KObject): FieldError[] {
  const spec = specOf(o);
  const errs = [...exactlyOneAttributes(spec), ...subjectErrors(spec), ...resourceAttributesErrors(spec), ...emptyMetadata(o, true)];
  const ns = o.metadata?.namespace ?? '';
  const ra = spec.resourceAttributes;
  if (ra && typeof ra === 'object' && (ra.namespace ?? '') !== ns) errs.push(fieldErr.invalid('spec.resourceAttributes.namespace', ra.namespace ?? '', 'must match metadata.namespace'));
  if (present(spec.nonResourceAttributes)) errs.push(fieldErr.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
  return errs;
}
