// Validation of the scheduling parts of a PodSpec: node selector, affinity, tolerations, topology
// spread constraints, readiness and scheduling gates.

import { fieldErr } from '../../errors.js';
import type { FieldError } from '../../kind.js';
import { labelValue } from '../../names.js';
import { type Obj, checkLabelSelector, checkLabels, checkQualifiedName, isObj, isSet, objects, str } from './checks.js';

function validateNodeSelectorRequirement(r: Obj, p: string, isField: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const values = Array.isArray(r.values) ? r.values : [];
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(fieldErr.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(fieldErr.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(fieldErr.required(`${p}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
  }
  if (isField) {
    if (r.key !== 'metadata.name') errs.push(fieldErr.notSupported(`${p}.key`, r.key, ['metadata.name']));
  } else if (typeof r.key === 'string') errs.push(...checkQualifiedName(`${p}.key`, r.key));
  return errs;
}

function validateNodeSelectorTerm(t: unknown, p: string): FieldError[] {
  if (!isObj(t)) return [];
  const errs: FieldError[] = [];
  for (const [i, r] of objects(t.matchExpressions).entries()) errs.push(...validateNodeSelectorRequirement(r, `${p}.matchExpressions[${i}]`, false));
  for (const [i, r] of objects(t.matchFields).entries()) errs.push(...validateNodeSelectorRequirement(r, `${p}.matchFields[${i}]`, true));
  return errs;
}

function checkWeight(field: string, w: unknown): FieldError[] {
  return typeof w === 'number' && (w < 1 || w > 100) ? [fieldErr.invalid(field, w, 'must be in the range 1-100')] : [];
}

function validatePodAffinityTerm(t: Obj, p: string): FieldError[] {
  const errs = checkLabelSelector(`${p}.labelSelector`, t.labelSelector);
  errs.push(...checkLabelSelector(`${p}.namespaceSelector`, t.namespaceSelector));
  if (isSet(t.topologyKey) && str(t.topologyKey) === '') errs.push(fieldErr.required(`${p}.topologyKey`, 'can not be empty'));
  else if (str(t.topologyKey)) errs.push(...checkQualifiedName(`${p}.topologyKey`, str(t.topologyKey)));
  return errs;
}

function validateAffinity(a: unknown, p: string): FieldError[] {
  if (!isObj(a)) return [];
  const errs: FieldError[] = [];
  const na = a.nodeAffinity;
  if (isObj(na)) {
    const np = `${p}.nodeAffinity`;
    const req = na.requiredDuringSchedulingIgnoredDuringExecution;
    if (isObj(req)) {
      const rp = `${np}.requiredDuringSchedulingIgnoredDuringExecution`;
      const terms = Array.isArray(req.nodeSelectorTerms) ? req.nodeSelectorTerms : [];
      if (isSet(req.nodeSelectorTerms) && terms.length === 0) errs.push(fieldErr.required(`${rp}.nodeSelectorTerms`, 'must have at least one node selector term'));
      for (const [i, t] of terms.entries()) errs.push(...validateNodeSelectorTerm(t, `${rp}.nodeSelectorTerms[${i}]`));
    }
    objects(na.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const tp = `${np}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      errs.push(...checkWeight(`${tp}.weight`, t.weight));
      errs.push(...validateNodeSelectorTerm(t.preference, `${tp}.preference`));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const pa = a[kind];
    if (!isObj(pa)) continue;
    const pp = `${p}.${kind}`;
    for (const [i, t] of objects(pa.requiredDuringSchedulingIgnoredDuringExecution).entries()) errs.push(...validatePodAffinityTerm(t, `${pp}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`));
    objects(pa.preferredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => {
      const tp = `${pp}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      errs.push(...checkWeight(`${tp}.weight`, t.weight));
      if (isObj(t.podAffinityTerm)) errs.push(...validatePodAffinityTerm(t.podAffinityTerm, `${tp}.podAffinityTerm`));
    });
  }
  return errs;
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTolerations(tolerations: unknown, p: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(tolerations).forEach((t, i) => {
    const tp = `${p}[${i}]`;
    const key = str(t.key);
    if (key) errs.push(...checkQualifiedName(`${tp}.key`, key));
    const op = str(t.operator);
    if (!key && op !== 'Exists') errs.push(fieldErr.invalid(`${tp}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (isSet(t.tolerationSeconds) && t.effect !== 'NoExecute') errs.push(fieldErr.invalid(`${tp}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    if (op === '' || op === 'Equal') {
      // The value must be a valid label value.
      const bad = labelValue(str(t.value));
      if (bad.length > 0) errs.push(fieldErr.invalid(`${tp}.operator`, str(t.value), bad.join(';')));
    } else if (op === 'Exists') {
      if (str(t.value)) errs.push(fieldErr.invalid(`${tp}.operator`, t, "value must be empty when `operator` is 'Exists'"));
    } else errs.push(fieldErr.notSupported(`${tp}.operator`, op, ['Equal', 'Exists']));
    if (str(t.effect) && !TAINT_EFFECTS.includes(str(t.effect))) errs.push(fieldErr.notSupported(`${tp}.effect`, t.effect, TAINT_EFFECTS));
  });
  return errs;
}

function validateTopologySpread(list: unknown, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  objects(list).forEach((c, i) => {
    const cp = `${p}[${i}]`;
    if (typeof c.maxSkew === 'number' && c.maxSkew <= 0) errs.push(fieldErr.invalid(`${cp}.maxSkew`, c.maxSkew, 'must be greater than zero'));
    if (isSet(c.topologyKey) && str(c.topologyKey) === '') errs.push(fieldErr.required(`${cp}.topologyKey`, 'can not be empty'));
    if (typeof c.minDomains === 'number') {
      if (c.minDomains <= 0) errs.push(fieldErr.invalid(`${cp}.minDomains`, c.minDomains, 'must be greater than 0'));
      else if (c.whenUnsatisfiable !== 'DoNotSchedule') errs.push(fieldErr.invalid(`${cp}.minDomains`, c.minDomains, 'can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ' + str(c.whenUnsatisfiable)));
    }
    const key = `{${str(c.topologyKey)}, ${str(c.whenUnsatisfiable)}}`;
    if (seen.has(key)) errs.push(fieldErr.duplicate(`${cp}.{topologyKey, whenUnsatisfiable}`, key));
    seen.add(key);
    errs.push(...checkLabelSelector(`${cp}.labelSelector`, c.labelSelector));
  });
  return errs;
}

/** Scheduling-related fields of a PodSpec at path p (e.g. "spec"). */
export function validateScheduling(spec: Obj, p: string): FieldError[] {
  const errs = checkLabels(`${p}.nodeSelector`, spec.nodeSelector);
  errs.push(...validateAffinity(spec.affinity, `${p}.affinity`));
  errs.push(...validateTolerations(spec.tolerations, `${p}.tolerations`));
  errs.push(...validateTopologySpread(spec.topologySpreadConstraints, `${p}.topologySpreadConstraints`));
  objects(spec.readinessGates).forEach((g, i) => {
    if (typeof g.conditionType === 'string') errs.push(...checkQualifiedName(`${p}.readinessGates[${i}].conditionType`, g.conditionType));
  });
  const gates = new Set<string>();
  objects(spec.schedulingGates).forEach((g, i) => {
    const name = str(g.name);
    errs.push(...checkQualifiedName(`${p}.schedulingGates[${i}].name`, name));
    if (gates.has(name)) errs.push(fieldErr.duplicate(`${p}.schedulingGates[${i}].name`, name));
    gates.add(name);
  });
  return errs;
}
