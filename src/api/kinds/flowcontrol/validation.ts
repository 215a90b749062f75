// FlowSchema and PriorityLevelConfiguration defaulting and validation, after Kubernetes'
// (pkg/apis/flowcontrol/validation): the same rules for v1 and v1beta3.

import { fieldErr } from '../../errors.js';
import type { FieldError, KObject } from '../../kind.js';
import { dns1123Label } from '../../names.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export const EXEMPT = 'exempt';
export const CATCH_ALL = 'catch-all';
const SUBJECT_KINDS = ['Group', 'ServiceAccount', 'User'];
const DISTINGUISHERS = ['ByNamespace', 'ByUser'];

export function defaultFlowSchema(o: KObject) {
  if (o.spec !== undefined && !isObj(o.spec)) return;
  const spec = (o.spec ??= {}) as Obj;
  if (!spec.matchingPrecedence) spec.matchingPrecedence = 1000;
}

export function defaultPriorityLevel(o: KObject, v1beta3 = false) {
  if (o.spec !== undefined && !isObj(o.spec)) return;
  const spec = (o.spec ??= {}) as Obj;
  if (isObj(spec.exempt)) {
    spec.exempt.nominalConcurrencyShares ??= 0;
    spec.exempt.lendablePercent ??= 0;
  }
  if (isObj(spec.limited)) {
    const l = spec.limited;
    // v1beta3 had a non-pointer field: a zero there means "default" unless the round-trip annotation says it was set.
    const keepZero = o.metadata?.annotations?.[PRESERVE_ZERO_ANNOTATION] === 'true';
    if (l.nominalConcurrencyShares === undefined || (v1beta3 && l.nominalConcurrencyShares === 0 && !keepZero)) l.nominalConcurrencyShares = 30;
    l.lendablePercent ??= 0;
    if (isObj(l.limitResponse) && isObj(l.limitResponse.queuing)) {
      const q = l.limitResponse.queuing;
      if (!q.queues) q.queues = 64;
      if (!q.handSize) q.handSize = 8;
      if (!q.queueLengthLimit) q.queueLengthLimit = 50;
    }
  }
}

/** v1beta3 marks a zero nominalConcurrencyShares that is meant, as Kubernetes does. */
export const PRESERVE_ZERO_ANNOTATION = 'flowcontrol.k8s.io/v1beta3-preserve-zero-value';

function checkSubject(path: string, s: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const kind = s.kind;
  const member = { User: 'user', Group: 'group', ServiceAccount: 'serviceAccount' } as Record<string, string>;
  if (!SUBJECT_KINDS.includes(kind as string)) {
    if (!kind) errs.push(fieldErr.required(`${path}.kind`, 'must specify subject kind'));
    else errs.push(fieldErr.notSupported(`${path}.kind`, kind, SUBJECT_KINDS));
  }
  for (const [k, f] of Object.entries(member)) {
    if (k === kind) {
      const m = s[f];
      if (!isObj(m)) errs.push(fieldErr.required(`${path}.${f}`, `${f} is required when subject kind is '${k}'`));
      else {
        if (typeof m.name !== 'string' || m.name === '') errs.push(fieldErr.required(`${path}.${f}.name`, `${f} name is required`));
        if (k === 'ServiceAccount') {
          if (typeof m.namespace !== 'string' || m.namespace === '') errs.push(fieldErr.required(`${path}.${f}.namespace`, 'serviceAccount namespace is required'));
          else for (const e of dns1123Label(m.namespace)) errs.push(fieldErr.invalid(`${path}.${f}.namespace`, m.namespace, e));
        }
      }
    } else if (s[f] !== undefined && s[f] !== null) errs.push(fieldErr.forbidden(`${path}.${f}`, `${f} is forbidden when subject kind is not '${k}'`));
  }
  return errs;
}

function checkVerbs(path: string, verbs: string[]): FieldError[] {
  if (verbs.length === 0) return [fieldErr.required(path, 'verbs must contain at least one value')];
  if (verbs.includes('*') && verbs.length > 1) return [fieldErr.invalid(path, verbs, "if '*' is present, must not specify other verbs")];
  return [];
}

function checkStarAlone(path: string, values: string[], what: string): FieldError[] {
  if (values.length === 0) return [fieldErr.required(path, `${what} must contain at least one value`)];
  if (values.includes('*') && values.length > 1) return [fieldErr.invalid(path, values, `if '*' is present, must not specify other ${what}`)];
  return [];
}

function checkResourceRule(path: string, r: Obj): FieldError[] {
  const errs = [...checkVerbs(`${path}.verbs`, strs(r.verbs)), ...checkStarAlone(`${path}.apiGroups`, strs(r.apiGroups), 'api groups'), ...checkStarAlone(`${path}.resources`, strs(r.resources), 'resources')];
  const namespaces = strs(r.namespaces);
  if (namespaces.length === 0 && !r.clusterScope) errs.push(fieldErr.required(`${path}.namespaces`, 'resource rules that are not cluster scoped must supply at least one namespace'));
  else if (namespaces.includes('*') && namespaces.length > 1) errs.push(fieldErr.invalid(`${path}.namespaces`, namespaces, "if '*' is present, must not specify other namespaces"));
  else
    namespaces.forEach((ns, i) => {
      if (ns !== '*') for (const e of dns1123Label(ns)) errs.push(fieldErr.invalid(`${path}.namespaces[${i}]`, ns, e));
    });
  return errs;
}

function checkNonResourceRule(path: string, r: Obj): FieldError[] {
  const errs = checkVerbs(`${path}.verbs`, strs(r.verbs));
  const urls = strs(r.nonResourceURLs);
  errs.push(...checkStarAlone(`${path}.nonResourceURLs`, urls, 'non-resource urls'));
  urls.forEach((u, i) => {
    const p = `${path}.nonResourceURLs[${i}]`;
    if (u === '*') return;
    if (!u.startsWith('/')) errs.push(fieldErr.invalid(p, u, "must start with slash or be '*'"));
    else if (u.includes('*') && !(u.endsWith('/*') && u.indexOf('*') === u.length - 1)) errs.push(fieldErr.invalid(p, u, "if '*' is present, must be the whole path or the final segment"));
  });
  return errs;
}

export function validateFlowSchema(o: KObject): FieldError[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const name = o.metadata?.name ?? '';
  const errs: FieldError[] = [];
  const p = spec.matchingPrecedence as number;
  if (typeof p === 'number') {
    if (p <= 0) errs.push(fieldErr.invalid('spec.matchingPrecedence', p, 'must be a positive value'));
    else if (p > 10000) errs.push(fieldErr.invalid('spec.matchingPrecedence', p, 'must not be greater than 10000'));
    if (p === 1 && name !== EXEMPT) errs.push(fieldErr.invalid('spec.matchingPrecedence', p, "only the schema named 'exempt' may have matchingPrecedence 1"));
  }
  if (isObj(spec.distinguisherMethod) && !DISTINGUISHERS.includes(spec.distinguisherMethod.type as string)) {
    errs.push(fieldErr.notSupported('spec.distinguisherMethod.type', spec.distinguisherMethod.type ?? '', DISTINGUISHERS));
  }
  const pl = isObj(spec.priorityLevelConfiguration) ? spec.priorityLevelConfiguration.name : undefined;
  if (typeof pl !== 'string' || pl === '') errs.push(fieldErr.required('spec.priorityLevelConfiguration.name', 'must reference a priority level'));
  objs(spec.rules).forEach((r, i) => {
    const rp = `spec.rules[${i}]`;
    const subjects = objs(r.subjects);
    if (subjects.length === 0) errs.push(fieldErr.required(`${rp}.subjects`, 'subjects must contain at least one value'));
    subjects.forEach((s, j) => {
      errs.push(...checkSubject(`${rp}.subjects[${j}]`, s));
    });
    const rr = objs(r.resourceRules);
    const nr = objs(r.nonResourceRules);
    if (rr.length === 0 && nr.length === 0) errs.push(fieldErr.required(rp, 'at least one of resourceRules and nonResourceRules has to be non-empty'));
    rr.forEach((x, j) => {
      errs.push(...checkResourceRule(`${rp}.resourceRules[${j}]`, x));
    });
    nr.forEach((x, j) => {
      errs.push(...checkNonResourceRule(`${rp}.nonResourceRules[${j}]`, x));
    });
  });
  return errs;
}

const percent = (path: string, v: unknown): FieldError[] => (typeof v === 'number' && (v < 0 || v > 100) ? [fieldErr.invalid(path, v, 'must be between 0 and 100, inclusive')] : []);
const nonNegative = (path: string, v: unknown): FieldError[] => (typeof v === 'number' && v < 0 ? [fieldErr.invalid(path, v, 'must be a non-negative integer')] : []);

export function validatePriorityLevel(o: KObject): FieldError[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const name = o.metadata?.name ?? '';
  const errs: FieldError[] = [];
  const type = spec.type;
  if ((name === EXEMPT) !== (type === 'Exempt') && (type === 'Exempt' || type === 'Limited')) errs.push(fieldErr.invalid('spec.type', type, "type must be 'Exempt' if and only if name is 'exempt'"));
  if (type === 'Exempt') {
    if (spec.limited !== undefined && spec.limited !== null) errs.push(fieldErr.forbidden('spec.limited', 'must be nil if the type is not Limited'));
    if (isObj(spec.exempt)) errs.push(...nonNegative('spec.exempt.nominalConcurrencyShares', spec.exempt.nominalConcurrencyShares), ...percent('spec.exempt.lendablePercent', spec.exempt.lendablePercent));
  } else if (type === 'Limited') {
    if (spec.exempt !== undefined && spec.exempt !== null) errs.push(fieldErr.forbidden('spec.exempt', 'must be nil if the type is Limited'));
    if (!isObj(spec.limited)) errs.push(fieldErr.required('spec.limited', 'must not be empty when type is Limited'));
    else {
      const l = spec.limited;
      errs.push(...nonNegative('spec.limited.nominalConcurrencyShares', l.nominalConcurrencyShares), ...percent('spec.limited.lendablePercent', l.lendablePercent));
      if (typeof l.borrowingLimitPercent === 'number' && l.borrowingLimitPercent < 0) errs.push(fieldErr.invalid('spec.limited.borrowingLimitPercent', l.borrowingLimitPercent, 'if specified, must be a non-negative integer'));
      const lr = isObj(l.limitResponse) ? l.limitResponse : {};
      if (lr.type === 'Queue') {
        if (!isObj(lr.queuing)) errs.push(fieldErr.required('spec.limited.limitResponse.queuing', 'must not be empty if the type is Queue'));
        else {
          const q = lr.queuing;
          const qp = 'spec.limited.limitResponse.queuing';
          const queues = q.queues as number;
          const hand = q.handSize as number;
          if (!((q.queueLengthLimit as number) > 0)) errs.push(fieldErr.invalid(`${qp}.queueLengthLimit`, q.queueLengthLimit, 'must be positive'));
          if (!(queues > 0)) errs.push(fieldErr.invalid(`${qp}.queues`, queues, 'must be positive'));
          else if (queues > 10000) errs.push(fieldErr.invalid(`${qp}.queues`, queues, 'must not be greater than 10000'));
          if (!(hand > 0)) errs.push(fieldErr.invalid(`${qp}.handSize`, hand, 'must be positive'));
          else if (queues > 0 && hand > queues) errs.push(fieldErr.invalid(`${qp}.handSize`, hand, `should not be greater than queues (${queues})`));
        }
      } else if (lr.type === 'Reject') {
        if (lr.queuing !== undefined && lr.queuing !== null) errs.push(fieldErr.forbidden('spec.limited.limitResponse.queuing', 'must be nil if limited.limitResponse.type is not Limited'));
      } else errs.push(fieldErr.notSupported('spec.limited.limitResponse.type', lr.type ?? '', ['Queue', 'Reject']));
    }
  } else errs.push(fieldErr.notSupported('spec.type', type ?? '', ['Exempt', 'Limited']));
  return errs;
}
