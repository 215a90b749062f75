// LimitRange validation and defaulting, as Kubernetes' ValidateLimitRange and SetDefaults_LimitRangeItem:
// one item per type (Container, Pod, PersistentVolumeClaim or a qualified name), resource names
// valid for the type, and min <= defaultRequest <= default <= max, ratio >= 1 and <= max/min.

import { fieldErr } from '../errors.js';
import type { FieldError, KObject } from '../kind.js';
import { type Amount, cmp, formatAmount, milliValue, parseAmount } from './amount.js';
import { isExtendedResource, isHugePages, isNativeResource, qualifiedNameProblems } from './names.js';
import { validateResourceName } from './validate-quota.js';

type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => !!v && typeof v === 'object' && !Array.isArray(v);

/** A string field as text; anything else (hostile JSON) as ''. */
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

export const LIMIT_TYPES = ['Pod', 'Container', 'PersistentVolumeClaim'];
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** Container items: a default limit from max, a default request from the default limit, else from min. */
export function defaultLimitRange(obj: KObject) {
  const spec = isObj(obj.spec) ? obj.spec : undefined;
  if (!spec || !Array.isArray(spec.limits)) return;
  for (const item of spec.limits) {
    if (!isObj(item) || item.type !== 'Container') continue;
    const def = (item.default = isObj(item.default) ? item.default : {}) as J;
    const defReq = (item.defaultRequest = isObj(item.defaultRequest) ? item.defaultRequest : {}) as J;
    for (const [k, v] of Object.entries(isObj(item.max) ? item.max : {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
    for (const [k, v] of Object.entries(isObj(item.min) ? item.min : {})) if (!(k in defReq)) defReq[k] = v;
  }
}

function validateTypeName(value: string, path: string): FieldError[] {
  const errs = qualifiedNameProblems(value).map((m) => fieldErr.invalid(path, value, m));
  if (errs.length) return errs;
  if (!value.includes('/') && !LIMIT_TYPES.includes(value)) errs.push(fieldErr.invalid(path, value, 'must be a standard limit type or fully qualified'));
  return errs;
}

function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) errs.push(fieldErr.invalid(path, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && !isExtendedResource(name)) {
    errs.push(fieldErr.invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

const overcommitAllowed = (name: string) => isNativeResource(name) && !isHugePages(name);

export function validateLimitRange(obj: KObject): FieldError[] {
  const spec = isObj(obj.spec) ? obj.spec : {};
  const limits = Array.isArray(spec.limits) ? spec.limits : [];
  const errs: FieldError[] = [];
  const types = new Set<string>();
  limits.forEach((item, i) => {
    if (!isObj(item)) return;
    const p = `spec.limits[${i}]`;
    const type = text(item.type);
    errs.push(...validateTypeName(type, `${p}.type`));
    if (types.has(type)) errs.push(fieldErr.duplicate(`${p}.type`, type));
    types.add(type);
    const nameCheck = (name: string, path: string) => (type === 'Pod' || type === 'Container' ? validateContainerResourceName(name, path) : validateResourceName(name, path));
    const read = (field: string, check = true): Map<string, Amount> => {
      const out = new Map<string, Amount>();
      const list = item[field];
      if (!isObj(list)) return out;
      for (const [k, v] of Object.entries(list)) {
        if (check) errs.push(...nameCheck(k, `${p}.${field}[${k}]`));
        const a = parseAmount(v);
        if (a) out.set(k, a);
      }
      return out;
    };
    const max = read('max');
    const min = read('min');
    let defaults = new Map<string, Amount>();
    let defaultRequests = new Map<string, Amount>();
    if (type === 'Pod') {
      if (isObj(item.default) && Object.keys(item.default).length > 0) errs.push(fieldErr.forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
      if (isObj(item.defaultRequest) && Object.keys(item.defaultRequest).length > 0) errs.push(fieldErr.forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    } else {
      defaults = read('default');
      defaultRequests = read('defaultRequest');
    }
    if (type === 'PersistentVolumeClaim' && !min.has('storage') && !max.has('storage')) errs.push(fieldErr.required(`${p}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
    const ratios = read('maxLimitRequestRatio');
    const keys = new Set([...max.keys(), ...min.keys(), ...defaults.keys(), ...defaultRequests.keys(), ...ratios.keys()]);
    for (const k of [...keys].sort()) {
      const mn = min.get(k);
      const mx = max.get(k);
      const d = defaults.get(k);
      const dr = defaultRequests.get(k);
      const r = ratios.get(k);
      const s = formatAmount;
      if (mn && mx && cmp(mn, mx) > 0) errs.push(fieldErr.invalid(`${p}.min[${k}]`, s(mn), `min value ${s(mn)} is greater than max value ${s(mx)}`));
      if (dr && mn && cmp(mn, dr) > 0) errs.push(fieldErr.invalid(`${p}.defaultRequest[${k}]`, s(dr), `min value ${s(mn)} is greater than default request value ${s(dr)}`));
      if (dr && mx && cmp(dr, mx) > 0) errs.push(fieldErr.invalid(`${p}.defaultRequest[${k}]`, s(dr), `default request value ${s(dr)} is greater than max value ${s(mx)}`));
      if (dr && d && cmp(dr, d) > 0) errs.push(fieldErr.invalid(`${p}.defaultRequest[${k}]`, s(dr), `default request value ${s(dr)} is greater than default limit value ${s(d)}`));
      if (d && mn && cmp(mn, d) > 0) errs.push(fieldErr.invalid(`${p}.default[${k}]`, s(mn), `min value ${s(mn)} is greater than default value ${s(d)}`));
      if (d && mx && cmp(d, mx) > 0) errs.push(fieldErr.invalid(`${p}.default[${k}]`, s(mx), `default value ${s(d)} is greater than max value ${s(mx)}`));
      if (r && r.nano < 1_000_000_000n) errs.push(fieldErr.invalid(`${p}.maxLimitRequestRatio[${k}]`, s(r), `ratio ${s(r)} is less than 1`));
      if (r && mn && mx && mn.nano > 0n) {
        const limit = Number(milliValue(mx)) / Number(milliValue(mn));
        if (Number(milliValue(r)) / 1000 > limit) errs.push(fieldErr.invalid(`${p}.maxLimitRequestRatio[${k}]`, s(r), `ratio ${s(r)} is greater than max/min = ${limit.toFixed(6)}`));
      }
      if (!overcommitAllowed(k) && d && dr && cmp(d, dr) !== 0) errs.push(fieldErr.invalid(`${p}.defaultRequest[${k}]`, s(dr), `default value ${s(d)} must equal to defaultRequest value ${s(dr)} in ${k}`));
    }
  });
  return errs;
}
