// HorizontalPodAutoscaler validation, on the v2 shape (Kubernetes validates its
// internal form, which is v2's; a v1 object is converted first, so errors name v2's field paths as
// Kubernetes' do).

import { fieldErr } from '../../errors.js';
import type { FieldError, KObject } from '../../kind.js';
import { isQuantity, parseQuantity } from '../../quantity.js';
import { checkLabelSelector } from '../workloads/checks.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** Kubernetes' limits on scaling rules. */
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
export const MAX_PERIOD_SECONDS = 1800;
const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const SELECT_POLICIES = ['Disabled', 'Max', 'Min'];
const POLICY_TYPES = ['Percent', 'Pods'];

/** Kubernetes' path segment name rule (names and kinds in references). */
function pathSegmentErrors(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  for (const bad of ['/', '%']) if (v.includes(bad)) return [`may not contain '${bad}'`];
  return [];
}

function checkReference(path: string, ref: unknown): FieldError[] {
  const r = isObj(ref) ? ref : {};
  const errs: FieldError[] = [];
  for (const f of ['kind', 'name']) {
    const v = r[f];
    if (typeof v !== 'string' || v === '') errs.push(fieldErr.required(`${path}.${f}`));
    else for (const m of pathSegmentErrors(v)) errs.push(fieldErr.invalid(`${path}.${f}`, v, m));
  }
  return errs;
}

const positive = (q: unknown) => typeof q === 'string' && isQuantity(q) && parseQuantity(q) > 0;

function checkTarget(path: string, t: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (!t.type) errs.push(fieldErr.required(`${path}.type`, 'must specify a metric target type'));
  else if (!['Utilization', 'Value', 'AverageValue'].includes(t.type as string)) errs.push(fieldErr.invalid(`${path}.type`, t.type, 'must be either Utilization, Value, or AverageValue'));
  if (t.value !== undefined && !positive(t.value)) errs.push(fieldErr.invalid(`${path}.value`, t.value, 'must be positive'));
  if (t.averageValue !== undefined && !positive(t.averageValue)) errs.push(fieldErr.invalid(`${path}.averageValue`, t.averageValue, 'must be positive'));
  if (t.averageUtilization !== undefined && !((t.averageUtilization as number) >= 1)) errs.push(fieldErr.invalid(`${path}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  return errs;
}

function checkIdentifier(path: string, id: unknown): FieldError[] {
  const m = isObj(id) ? id : {};
  const errs: FieldError[] = [];
  if (typeof m.name !== 'string' || m.name === '') errs.push(fieldErr.required(`${path}.name`, 'must specify a metric name'));
  else for (const msg of pathSegmentErrors(m.name)) errs.push(fieldErr.invalid(`${path}.name`, m.name, msg));
  if (m.selector !== undefined) errs.push(...checkLabelSelector(`${path}.selector`, m.selector));
  return errs;
}

function checkResource(path: string, src: Obj, container: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof src.name !== 'string' || src.name === '') errs.push(fieldErr.required(`${path}.name`, 'must specify a resource name'));
  if (container && (typeof src.container !== 'string' || src.container === '')) errs.push(fieldErr.required(`${path}.container`, 'must specify a container'));
  const t = isObj(src.target) ? src.target : {};
  errs.push(...checkTarget(`${path}.target`, t));
  if (t.averageUtilization === undefined && t.averageValue === undefined) errs.push(fieldErr.required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
  if (t.averageUtilization !== undefined && t.averageValue !== undefined) errs.push(fieldErr.forbidden(`${path}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
  return errs;
}

function checkMetric(path: string, m: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (!m.type) errs.push(fieldErr.required(`${path}.type`, 'must specify a metric source type'));
  else if (!METRIC_SOURCE_TYPES.includes(m.type as string)) errs.push(fieldErr.notSupported(`${path}.type`, m.type, METRIC_SOURCE_TYPES));
  const present = ['object', 'pods', 'resource', 'external', 'containerResource'].filter((k) => isObj(m[k]));
  const first = present[0];
  if (first) {
    const src = m[first] as Obj;
    const p = `${path}.${first}`;
    const t = isObj(src.target) ? src.target : {};
    if (first === 'resource') errs.push(...checkResource(p, src, false));
    else if (first === 'containerResource') errs.push(...checkResource(p, src, true));
    else if (first === 'object') {
      errs.push(...checkReference(`${p}.describedObject`, src.describedObject), ...checkIdentifier(`${p}.metric`, src.metric), ...checkTarget(`${p}.target`, t));
      if (t.value === undefined && t.averageValue === undefined) errs.push(fieldErr.required(`${p}.target.averageValue`, 'must set either a target value or averageValue'));
    } else if (first === 'pods') {
      errs.push(...checkIdentifier(`${p}.metric`, src.metric), ...checkTarget(`${p}.target`, t));
      if (t.averageValue === undefined) errs.push(fieldErr.required(`${p}.target.averageValue`, 'must specify a positive target averageValue'));
    } else {
      errs.push(...checkIdentifier(`${p}.metric`, src.metric), ...checkTarget(`${p}.target`, t));
      if (t.value === undefined && t.averageValue === undefined) errs.push(fieldErr.required(`${p}.target.averageValue`, 'must set either a target value for metric or a per-pod target'));
      if (t.value !== undefined && t.averageValue !== undefined) errs.push(fieldErr.forbidden(`${p}.target.value`, 'may not set both a target value for metric and a per-pod target'));
    }
  }
  const expected = typeof m.type === 'string' && METRIC_SOURCE_TYPES.includes(m.type) ? m.type[0].toLowerCase() + m.type.slice(1) : undefined;
  if (expected && !present.includes(expected)) errs.push(fieldErr.required(`${path}.${expected}`, 'must populate information for the given metric source'));
  if (present.length > 1) for (const k of present) if (k !== expected) errs.push(fieldErr.forbidden(`${path}.${k}`, 'must populate the given metric source only'));
  return errs;
}

function checkRules(path: string, r: unknown): FieldError[] {
  if (!isObj(r)) return [];
  const errs: FieldError[] = [];
  const w = r.stabilizationWindowSeconds;
  if (typeof w === 'number' && w < 0) errs.push(fieldErr.invalid(`${path}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  if (typeof w === 'number' && w > MAX_STABILIZATION_WINDOW_SECONDS) errs.push(fieldErr.invalid(`${path}.stabilizationWindowSeconds`, w, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  if (r.selectPolicy !== undefined && !SELECT_POLICIES.includes(r.selectPolicy as string)) errs.push(fieldErr.notSupported(`${path}.selectPolicy`, r.selectPolicy, SELECT_POLICIES));
  const policies = objs(r.policies);
  if (policies.length === 0) errs.push(fieldErr.required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const pp = `${path}.policies[${i}]`;
    if (!POLICY_TYPES.includes(p.type as string)) errs.push(fieldErr.notSupported(`${pp}.type`, p.type ?? '', POLICY_TYPES));
    if (!((p.value as number) > 0)) errs.push(fieldErr.invalid(`${pp}.value`, p.value ?? 0, 'must be greater than zero'));
    if (!((p.periodSeconds as number) > 0)) errs.push(fieldErr.invalid(`${pp}.periodSeconds`, p.periodSeconds ?? 0, 'must be greater than zero'));
    else if ((p.periodSeconds as number) > MAX_PERIOD_SECONDS) errs.push(fieldErr.invalid(`${pp}.periodSeconds`, p.periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return errs;
}

/** Kubernetes' HPA validation (scale to zero is behind the HPAScaleToZero gate, off in 1.32: minReplicas >= 1). */
export function validateHpaV2(o: KObject): FieldError[] {
  const spec = isObj(o.spec) ? o.spec : {};
  const errs: FieldError[] = [];
  const min = spec.minReplicas;
  const max = spec.maxReplicas as number;
  if (typeof min === 'number' && min < 1) errs.push(fieldErr.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (typeof max === 'number' && max < 1) errs.push(fieldErr.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (typeof min === 'number' && typeof max === 'number' && max < min) errs.push(fieldErr.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  errs.push(...checkReference('spec.scaleTargetRef', spec.scaleTargetRef));
  objs(spec.metrics).forEach((m, i) => {
    errs.push(...checkMetric(`spec.metrics[${i}]`, m));
  });
  if (isObj(spec.behavior)) {
    errs.push(...checkRules('spec.behavior.scaleUp', spec.behavior.scaleUp), ...checkRules('spec.behavior.scaleDown', spec.behavior.scaleDown));
  }
  const status = isObj(o.status) ? o.status : undefined;
  for (const f of ['currentReplicas', 'desiredReplicas']) {
    const v = status?.[f];
    if (typeof v === 'number' && v < 0) errs.push(fieldErr.invalid(`status.${f}`, v, 'must be greater than or equal to 0'));
  }
  return errs;
}
