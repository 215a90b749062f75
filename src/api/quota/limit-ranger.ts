// LimitRanger's rules, pure (Kubernetes' limitranger plugin): container requests and limits a pod
// leaves out are filled in from the namespace's LimitRanges (and noted in the
// kubernetes.io/limit-ranger annotation); then min, max and the limit/request ratio of containers,
// pods and volume claims are enforced, with Kubernetes' messages.

import type { KObject } from '../kind.js';
import { type Amount, type Amounts, amountsOf, formatAmount, milliValue } from './amount.js';
import { containerAmounts } from './pod-amounts.js';

// biome-ignore lint/suspicious/noExplicitAny: objects are untyped JSON here, read defensively.
type J = Record<string, any>;
const isObj = (v: unknown): v is J => !!v && typeof v === 'object' && !Array.isArray(v);
const arr = (v: unknown): J[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** A string field as text; anything else (hostile JSON) as ''. */
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

const items = (lr: KObject): J[] => arr((lr.spec as J | undefined)?.limits);

/** The Container items' defaults (later ranges win for a resource, as Kubernetes' loop over items does). */
function containerDefaults(lr: KObject): { requests: J; limits: J } {
  const requests: J = {};
  const limits: J = {};
  for (const item of items(lr)) {
    if (item.type !== 'Container') continue;
    Object.assign(requests, isObj(item.defaultRequest) ? item.defaultRequest : {});
    Object.assign(limits, isObj(item.default) ? item.default : {});
  }
  return { requests, limits };
}

function mergeContainer(c: J, defaults: { requests: J; limits: J }, what: string, notes: string[]) {
  c.resources = isObj(c.resources) ? c.resources : {};
  const res = c.resources as J;
  res.limits = isObj(res.limits) ? res.limits : {};
  res.requests = isObj(res.requests) ? res.requests : {};
  const setLimits: string[] = [];
  const setRequests: string[] = [];
  for (const [k, v] of Object.entries(defaults.limits)) {
    if (!(k in res.limits)) {
      res.limits[k] = v;
      setLimits.push(k);
    }
  }
  for (const [k, v] of Object.entries(defaults.requests)) {
    if (!(k in res.requests)) {
      res.requests[k] = v;
      setRequests.push(k);
    }
  }
  if (setRequests.length) notes.push(`${setRequests.sort().join(', ')} request for ${what} ${text(c.name)}`);
  if (setLimits.length) notes.push(`${setLimits.sort().join(', ')} limit for ${what} ${text(c.name)}`);
  // Empty maps are not what a client sent: leave none behind.
  if (Object.keys(res.limits).length === 0) delete res.limits;
  if (Object.keys(res.requests).length === 0) delete res.requests;
}

/** Fills in each container's missing requests and limits from one LimitRange (PodMutateLimitFunc). */
export function defaultPod(lr: KObject, pod: KObject) {
  const defaults = containerDefaults(lr);
  if (Object.keys(defaults.requests).length === 0 && Object.keys(defaults.limits).length === 0) return;
  const spec = isObj(pod.spec) ? pod.spec : {};
  const notes: string[] = [];
  for (const c of arr(spec.containers)) mergeContainer(c, defaults, 'container', notes);
  for (const c of arr(spec.initContainers)) mergeContainer(c, defaults, 'init container', notes);
  if (notes.length === 0) return;
  if (!isObj(pod.metadata)) pod.metadata = {};
  pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
}

const s = formatAmount;

function minConstraint(type: string, r: string, enforced: Amount, requests: Amounts, limits: Amounts): string | undefined {
  const req = requests.get(r);
  const lim = limits.get(r);
  if (!req) return `minimum ${r} usage per ${type} is ${s(enforced)}.  No request is specified`;
  if (milliValue(req) < milliValue(enforced)) return `minimum ${r} usage per ${type} is ${s(enforced)}, but request is ${s(req)}`;
  if (lim && milliValue(lim) < milliValue(enforced)) return `minimum ${r} usage per ${type} is ${s(enforced)}, but limit is ${s(lim)}`;
  return undefined;
}

function maxConstraint(type: string, r: string, enforced: Amount, requests: Amounts, limits: Amounts): string | undefined {
  const req = requests.get(r);
  const lim = limits.get(r);
  if (!lim) return `maximum ${r} usage per ${type} is ${s(enforced)}.  No limit is specified`;
  if (milliValue(lim) > milliValue(enforced)) return `maximum ${r} usage per ${type} is ${s(enforced)}, but limit is ${s(lim)}`;
  if (req && milliValue(req) > milliValue(enforced)) return `maximum ${r} usage per ${type} is ${s(enforced)}, but request is ${s(req)}`;
  return undefined;
}

function maxRequestConstraint(type: string, r: string, enforced: Amount, requests: Amounts): string | undefined {
  const req = requests.get(r);
  if (!req) return `maximum ${r} usage per ${type} is ${s(enforced)}.  No request is specified`;
  if (milliValue(req) > milliValue(enforced)) return `maximum ${r} usage per ${type} is ${s(enforced)}, but request is ${s(req)}`;
  return undefined;
}

function ratioConstraint(type: string, r: string, enforced: Amount, requests: Amounts, limits: Amounts): string | undefined {
  const req = requests.get(r);
  const lim = limits.get(r);
  if (!req || milliValue(req) === 0n) return `${r} max limit to request ratio per ${type} is ${s(enforced)}, but no request is specified or request is 0`;
  if (!lim || milliValue(lim) === 0n) return `${r} max limit to request ratio per ${type} is ${s(enforced)}, but no limit is specified or limit is 0`;
  const observed = Number(milliValue(lim)) / Number(milliValue(req));
  if (observed * 1000 > Number(milliValue(enforced))) return `${r} max limit to request ratio per ${type} is ${s(enforced)}, but provided ratio is ${observed.toFixed(6)}`;
  return undefined;
}

function checkItem(type: string, item: J, requests: Amounts, limits: Amounts, out: string[]) {
  const push = (m: string | undefined) => m && out.push(m);
  for (const [r, v] of amountsOf(item.min)) push(minConstraint(type, r, v, requests, limits));
  for (const [r, v] of amountsOf(item.max)) push(maxConstraint(type, r, v, requests, limits));
  for (const [r, v] of amountsOf(item.maxLimitRequestRatio)) push(ratioConstraint(type, r, v, requests, limits));
}

/** The pod's requests or limits for the Pod type: the shared sidecar-aware rule (pod-amounts.ts), without overhead. */
function podTotal(pod: J, field: 'requests' | 'limits'): Amounts {
  return containerAmounts(isObj(pod.spec) ? pod.spec : {}, field);
}

/** Every violation of one LimitRange by the pod (PodValidateLimitFunc), in Kubernetes' words. */
export function podViolations(lr: KObject, pod: KObject): string[] {
  const out: string[] = [];
  const spec = isObj(pod.spec) ? pod.spec : {};
  for (const item of items(lr)) {
    if (item.type === 'Container') {
      for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) checkItem('Container', item, amountsOf(c.resources?.requests), amountsOf(c.resources?.limits), out);
    }
    if (item.type === 'Pod') checkItem('Pod', item, podTotal(pod as J, 'requests'), podTotal(pod as J, 'limits'), out);
  }
  return out;
}

/** Every violation of one LimitRange by a volume claim: min and max of what it requests. */
export function pvcViolations(lr: KObject, pvc: KObject): string[] {
  const out: string[] = [];
  const requests = amountsOf((pvc.spec as J | undefined)?.resources?.requests);
  for (const item of items(lr)) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [r, v] of amountsOf(item.min)) {
      const m = minConstraint('PersistentVolumeClaim', r, v, requests, new Map());
      if (m) out.push(m);
    }
    for (const [r, v] of amountsOf(item.max)) {
      const m = maxRequestConstraint('PersistentVolumeClaim', r, v, requests);
      if (m) out.push(m);
    }
  }
  return out;
}

/** Several errors as Kubernetes' aggregate prints them: one alone, or "[a, b]". */
export const aggregate = (errs: string[]) => (errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
