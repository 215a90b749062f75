// Small validation helpers shared by the workload kinds, worded and pathed as Kubernetes' own
// validation reports them (so `kubectl apply` errors read the same).

import { fieldErr } from '../../errors.js';
import type { FieldError } from '../../kind.js';
import { dns1123Label, dns1123Subdomain, labelValue, qualifiedName } from '../../names.js';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
export const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
export const isSet = (v: unknown) => v !== undefined && v !== null;
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

export const notFound = (field: string, value: unknown): FieldError => ({ field, reason: 'FieldValueNotFound', message: `Not found: ${JSON.stringify(value)}` });

export function checkDNSLabel(field: string, v: string): FieldError[] {
  return dns1123Label(v).map((e) => fieldErr.invalid(field, v, e));
}

export function checkDNSSubdomain(field: string, v: string): FieldError[] {
  return dns1123Subdomain(v).map((e) => fieldErr.invalid(field, v, e));
}

export function checkQualifiedName(field: string, v: string): FieldError[] {
  return qualifiedName(v).map((e) => fieldErr.invalid(field, v, e));
}

/** Label maps: qualified-name keys and label values. */
export function checkLabels(field: string, labels: unknown): FieldError[] {
  if (!isObj(labels)) return [];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...checkQualifiedName(field, k));
    if (typeof v === 'string') for (const e of labelValue(v)) errs.push(fieldErr.invalid(`${field}[${k}]`, v, e));
  }
  return errs;
}

export function checkNonNegative(field: string, v: unknown): FieldError[] {
  return typeof v === 'number' && v < 0 ? [fieldErr.invalid(field, v, 'must be greater than or equal to 0')] : [];
}

export function checkPortNumber(field: string, v: unknown): FieldError[] {
  return typeof v === 'number' && (v < 1 || v > 65535) ? [fieldErr.invalid(field, v, 'must be between 1 and 65535, inclusive')] : [];
}

/** IANA_SVC_NAME: what a named port may be called. */
export function portNameErrors(name: string): string[] {
  const errs: string[] = [];
  if (name.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens (-)');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen (-)');
  return errs;
}

export function checkPortName(field: string, name: string): FieldError[] {
  return portNameErrors(name).map((e) => fieldErr.invalid(field, name, e));
}

/** A port given as number or name (probes, services' targetPort). */
export function checkNumberOrNamedPort(field: string, v: unknown): FieldError[] {
  if (typeof v === 'number') return checkPortNumber(field, v);
  if (typeof v === 'string') return checkPortName(field, v);
  return [];
}

/** A LabelSelector object: operators and values, keys and label values. */
export function checkLabelSelector(field: string, sel: unknown): FieldError[] {
  if (!isObj(sel)) return [];
  const errs = checkLabels(`${field}.matchLabels`, sel.matchLabels);
  objects(sel.matchExpressions).forEach((e, i) => {
    const p = `${field}.matchExpressions[${i}]`;
    const values = Array.isArray(e.values) ? e.values : [];
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (values.length === 0) errs.push(fieldErr.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (values.length > 0) errs.push(fieldErr.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    }
    if (typeof e.key === 'string') errs.push(...checkQualifiedName(`${p}.key`, e.key));
  });
  return errs;
}

const PERCENT = /^[0-9]+%$/;

/** IntOrString that is a non-negative count or a percentage (maxSurge, maxUnavailable). */
export function checkPositiveIntOrPercent(field: string, v: unknown): FieldError[] {
  if (typeof v === 'string') {
    if (!PERCENT.test(v)) return [fieldErr.invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
    return [];
  }
  return checkNonNegative(field, v);
}

export function checkNotMoreThan100Percent(field: string, v: unknown): FieldError[] {
  if (typeof v === 'string' && PERCENT.test(v) && Number(v.slice(0, -1)) > 100) return [fieldErr.invalid(field, v, 'must not be greater than 100%')];
  return [];
}

/** The value of an IntOrString that is zero (0 or '0%'). */
export const isZeroIntOrPercent = (v: unknown) => v === 0 || v === '0%' || v === undefined;
