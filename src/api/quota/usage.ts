// What an object costs against a quota (Kubernetes' quota evaluators), shared by quota admission in
// the API server and the quota controller: pods (compute requests and limits, counts, scopes),
// services (node ports, load balancers), volume claims (storage, per storage class) and a plain
// object count for every other resource (count/<resource>.<group>).

import type { KObject } from '../kind.js';
import { type Amount, type Amounts, add, addAll, amountOf, amountsOf } from './amount.js';
import { containerAmounts } from './pod-amounts.js';
import { countName, isExtendedResource, LEGACY_COUNT_NAMES } from './names.js';

// biome-ignore lint/suspicious/noExplicitAny: objects are untyped JSON here, read defensively.
type J = Record<string, any>;
const isObj = (v: unknown): v is J => !!v && typeof v === 'object' && !Array.isArray(v);
const arr = (v: unknown): J[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** A string field as text; anything else (hostile JSON) as ''. */
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const ONE = amountOf(1);

export interface GroupResource {
  group: string;
  resource: string;
}

export interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values?: string[];
}

// ---- pods ---------------------------------------------------------------------------------------

const POD_RESOURCES = new Set(['count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage', 'pods']);

function addInto(into: Amounts, list: Amounts) {
  for (const [k, v] of list) into.set(k, into.has(k) ? add(into.get(k)!, v) : v);
}

/** The pod's effective requests or limits: the shared sidecar-aware rule (api/sidecars.ts; component-helpers' PodRequests/PodLimits), with overhead. */
function podAggregate(pod: J, field: 'requests' | 'limits'): Amounts {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const total = containerAmounts(spec, field);
  const overhead = amountsOf(spec.overhead);
  if (field === 'requests') addInto(total, overhead);
  else for (const [k, v] of overhead) if (total.has(k)) total.set(k, add(total.get(k)!, v));
  return total;
}

/** podComputeUsageHelper: one pod, and its requests and limits under quota's names. */
function computeUsage(requests: Amounts, limits: Amounts): Amounts {
  const out: Amounts = new Map([['pods', ONE]]);
  for (const r of ['cpu', 'memory', 'ephemeral-storage']) {
    const req = requests.get(r);
    if (req) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [r, q] of requests) {
    if (r.startsWith('hugepages-')) {
      out.set(r, q);
      out.set(`requests.${r}`, q);
    }
    if (isExtendedResource(r)) out.set(`requests.${r}`, q);
  }
  return out;
}

/** Whether a pod still counts against compute quota: not finished, and not stuck past its deletion grace period. */
export function podCharged(pod: J, now = Date.now()): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const del = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (del && typeof grace === 'number' && now > Date.parse(del) + grace * 1000) return false;
  return true;
}

export function podUsage(pod: J, now = Date.now()): Amounts {
  const out: Amounts = new Map([['count/pods', ONE]]);
  if (!podCharged(pod, now)) return out;
  return addAll(out, computeUsage(podAggregate(pod, 'requests'), podAggregate(pod, 'limits')));
}

export const isTerminating = (pod: J) => typeof pod.spec?.activeDeadlineSeconds === 'number' && pod.spec.activeDeadlineSeconds >= 0;

/** QoS class BestEffort: no container asks for or is capped in cpu or memory. */
export function isBestEffort(pod: J): boolean {
  const spec = isObj(pod.spec) ? pod.spec : {};
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
    for (const f of ['requests', 'limits']) {
      const list = amountsOf(c.resources?.[f]);
      for (const r of ['cpu', 'memory']) if (list.has(r) && list.get(r)!.nano !== 0n) return false;
    }
  }
  return true;
}

function crossNamespaceTerms(terms: unknown, weighted: boolean): boolean {
  return arr(terms).some((t) => {
    const term = weighted ? t.podAffinityTerm : t;
    return isObj(term) && ((Array.isArray(term.namespaces) && term.namespaces.length > 0) || (term.namespaceSelector !== undefined && term.namespaceSelector !== null));
  });
}

export function usesCrossNamespacePodAffinity(pod: J): boolean {
  const aff = pod.spec?.affinity;
  if (!isObj(aff)) return false;
  for (const a of [aff.podAffinity, aff.podAntiAffinity]) {
    if (!isObj(a)) continue;
    if (crossNamespaceTerms(a.requiredDuringSchedulingIgnoredDuringExecution, false) || crossNamespaceTerms(a.preferredDuringSchedulingIgnoredDuringExecution, true)) return true;
  }
  return false;
}

/** Whether a pod matches one scope requirement (podMatchesScopeFunc). */
export function podMatchesScope(sel: ScopeRequirement, pod: J): boolean {
  switch (sel.scopeName) {
    case 'Terminating':
      return isTerminating(pod);
    case 'NotTerminating':
      return !isTerminating(pod);
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'CrossNamespacePodAffinity':
      return usesCrossNamespacePodAffinity(pod);
    case 'PriorityClass': {
      const name = typeof pod.spec?.priorityClassName === 'string' ? pod.spec.priorityClassName : '';
      const values = sel.values ?? [];
      // As a label selector over { PriorityClass: name } (no label when the pod names no class).
      switch (sel.operator) {
        case 'Exists':
          return name !== '';
        case 'DoesNotExist':
          return name === '';
        case 'In':
          return name !== '' && values.includes(name);
        case 'NotIn':
          return name === '' || !values.includes(name);
      }
      return false;
    }
  }
  return false;
}

/** The resources quota makes every container name when it tracks cpu or memory (a historical rule Kubernetes keeps). */
const MUST_SPECIFY = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/** podEvaluator.Constraints: "must specify limits.cpu for: app; requests.memory for: app,sidecar", or undefined. */
export function podConstraints(required: string[], pod: J): string | undefined {
  const needed = required.filter((r) => MUST_SPECIFY.has(r));
  if (needed.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  const spec = isObj(pod.spec) ? pod.spec : {};
  for (const c of [...arr(spec.containers), ...arr(spec.initContainers)]) {
    const has = computeUsage(amountsOf(c.resources?.requests), amountsOf(c.resources?.limits));
    for (const r of needed) {
      if (has.has(r)) continue;
      if (!missing.has(r)) missing.set(r, new Set());
      missing.get(r)!.add(text(c.name));
    }
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

// ---- services and volume claims -----------------------------------------------------------------

const SERVICE_RESOURCES = new Set(['count/services', 'services', 'services.nodeports', 'services.loadbalancers']);

export function serviceUsage(svc: J): Amounts {
  const spec = isObj(svc.spec) ? svc.spec : {};
  const ports = arr(spec.ports);
  let nodePorts = 0;
  let lbs = 0;
  if (spec.type === 'NodePort') nodePorts = ports.length;
  if (spec.type === 'LoadBalancer') {
    nodePorts = spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => typeof p.nodePort === 'number' && p.nodePort !== 0).length : ports.length;
    lbs = 1;
  }
  return new Map([
    ['count/services', ONE],
    ['services', ONE],
    ['services.nodeports', amountOf(nodePorts)],
    ['services.loadbalancers', amountOf(lbs)],
  ]);
}

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

function pvcClass(pvc: J): string {
  const ann = pvc.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (typeof ann === 'string') return ann;
  return typeof pvc.spec?.storageClassName === 'string' ? pvc.spec.storageClassName : '';
}

export function pvcUsage(pvc: J): Amounts {
  const out: Amounts = new Map([
    ['persistentvolumeclaims', ONE],
    ['count/persistentvolumeclaims', ONE],
  ]);
  const cls = pvcClass(pvc);
  if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, ONE);
  const storage = amountsOf(pvc.spec?.resources?.requests).get('storage');
  if (storage) {
    // Whole bytes, as Kubernetes rounds a claim's request up.
    const whole: Amount = { nano: ((storage.nano + 999_999_999n) / 1_000_000_000n) * 1_000_000_000n, format: storage.format };
    out.set('requests.storage', whole);
    if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`, whole);
  }
  return out;
}

// ---- every resource -----------------------------------------------------------------------------

const key = (gr: GroupResource) => `${gr.group}/${gr.resource}`;

/** The usage one object of a resource adds (evaluator.Usage). */
export function usageOf(gr: GroupResource, obj: KObject, now = Date.now()): Amounts {
  switch (key(gr)) {
    case '/pods':
      return podUsage(obj as J, now);
    case '/services':
      return serviceUsage(obj as J);
    case '/persistentvolumeclaims':
      return pvcUsage(obj as J);
  }
  const out: Amounts = new Map([[countName(gr.group, gr.resource), ONE]]);
  const legacy = gr.group === '' ? LEGACY_COUNT_NAMES[gr.resource] : undefined;
  if (legacy) out.set(legacy, ONE);
  return out;
}

/** Which of a quota's resource names the resource's evaluator tracks (MatchingResources). */
export function matchingResources(gr: GroupResource, names: Iterable<string>): string[] {
  const out: string[] = [];
  for (const n of names) {
    let match: boolean;
    switch (key(gr)) {
      case '/pods':
        match = POD_RESOURCES.has(n) || n.startsWith('hugepages-') || n.startsWith('requests.hugepages-') || (n.startsWith('requests.') && !n.startsWith('requests.hugepages-') && n.includes('/') && !n.includes('kubernetes.io/'));
        break;
      case '/services':
        match = SERVICE_RESOURCES.has(n);
        break;
      case '/persistentvolumeclaims':
        match = n === 'persistentvolumeclaims' || n === 'requests.storage' || n === 'count/persistentvolumeclaims' || (n.includes(STORAGE_CLASS_SUFFIX) && (n.endsWith('/requests.storage') || n.endsWith('/persistentvolumeclaims')));
        break;
      default:
        match = n === countName(gr.group, gr.resource) || (gr.group === '' && LEGACY_COUNT_NAMES[gr.resource] === n);
    }
    if (match) out.push(n);
  }
  return out;
}

/** Whether an object matches one scope requirement: only pods have scopes; any scope excludes other resources. */
export function matchesScope(gr: GroupResource, sel: ScopeRequirement, obj: KObject): boolean {
  return key(gr) === '/pods' ? podMatchesScope(sel, obj as J) : false;
}

/** A quota's scopes as requirements: each listed scope is Exists, then the scope selector's expressions. */
export function scopeRequirements(quota: KObject): ScopeRequirement[] {
  const spec = (isObj(quota.spec) ? quota.spec : {}) as J;
  const out: ScopeRequirement[] = (Array.isArray(spec.scopes) ? spec.scopes : []).filter((s: unknown) => typeof s === 'string').map((s: string) => ({ scopeName: s, operator: 'Exists' }));
  for (const e of arr(spec.scopeSelector?.matchExpressions)) out.push({ scopeName: text(e.scopeName), operator: text(e.operator), values: Array.isArray(e.values) ? e.values.map(text) : [] });
  return out;
}

export const matchesAllScopes = (gr: GroupResource, quota: KObject, obj: KObject) => scopeRequirements(quota).every((s) => matchesScope(gr, s, obj));

/** Whether the resource's evaluator looks at this operation (evaluator.Handles). */
export function handles(gr: GroupResource, operation: string, obj: KObject | undefined, old: KObject | undefined): boolean {
  switch (key(gr)) {
    case '/pods':
      return operation === 'CREATE' || (operation === 'UPDATE' && !!obj && !!old && isTerminating(obj as J) !== isTerminating(old as J));
    case '/services':
    case '/persistentvolumeclaims':
      return operation === 'CREATE' || operation === 'UPDATE';
    default:
      return operation === 'CREATE';
  }
}

/** The constraints the object must meet for a quota tracking `required` (only pods have any). */
export function constraints(gr: GroupResource, required: string[], obj: KObject): string | undefined {
  return key(gr) === '/pods' ? podConstraints(required, obj as J) : undefined;
}
