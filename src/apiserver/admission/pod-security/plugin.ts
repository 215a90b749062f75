// The PodSecurity admission plugin (Kubernetes' Pod Security Admission): pods are checked against
// their namespace's policy on create and update (not on status updates, nor on updates that only
// change images or metadata): a violation of the enforce level is refused (403), of the warn level
// a warning kubectl prints. Workload templates (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
// CronJob, ReplicationController) get the warnings only, as in Kubernetes: their pods are what
// enforce refuses. Namespaces: invalid pod-security labels are refused (422); a stricter enforce
// label warns about the namespace's existing pods that violate it.
// Audit annotations (enforce-policy, audit-violations, exempt) are kept per request for the audit
// log to read (audit-annotations.ts).

import { fieldErr, forbidden, invalid } from '../../../api/errors.js';
import { deepEqual } from '../../../util/equal.js';
import type { ApiState, RequestContext } from '../../context.js';
import type { AdmissionPlugin, AdmissionRequest } from '../chain.js';
import type { PodSecurityConfig } from './config.js';
import { requestNamespace } from '../../namespace-read.js';
import { annotate, AUDIT_VIOLATIONS, ENFORCE_POLICY, EXEMPT } from './audit-annotations.js';
import { describe, evaluate, LABEL_PREFIX, LEVELS, levelVersionString, type LevelVersion, MODES, type Policy, policyOf } from './policy.js';

// biome-ignore lint/suspicious/noExplicitAny: objects are untyped JSON, read defensively.
type J = any;

/** Workload resources (group/plural) and where their pod template is. */
const WORKLOADS: Record<string, (o: J) => J> = {
  'apps/deployments': (o) => o?.spec?.template,
  'apps/replicasets': (o) => o?.spec?.template,
  'apps/statefulsets': (o) => o?.spec?.template,
  'apps/daemonsets': (o) => o?.spec?.template,
  'batch/jobs': (o) => o?.spec?.template,
  'batch/cronjobs': (o) => o?.spec?.jobTemplate?.spec?.template,
  '/replicationcontrollers': (o) => o?.spec?.template,
};

/** Pod subresources that cannot change the pod's spec; every other one (ephemeralcontainers, resize) is checked. */
const IGNORED_POD_SUBRESOURCES = new Set(['exec', 'attach', 'binding', 'eviction', 'log', 'portforward', 'proxy', 'status']);

/** At most this many existing pods are checked when a namespace's enforce level changes (Kubernetes' limit). */
const MAX_PODS_TO_CHECK = 3000;
const MAX_POD_GROUPS_SHOWN = 20;

const resourceOf = (rc: RequestContext) => `${rc.def.group}/${rc.def.plural}`;

export function podSecurityPlugin(cfg: PodSecurityConfig): AdmissionPlugin {
  const exemptNamespaces = new Set(cfg.exemptions.namespaces);
  const exemptUsers = new Set(cfg.exemptions.usernames);
  const exemptRuntimeClasses = new Set(cfg.exemptions.runtimeClasses);
  const runtimeExempt = (spec: J) => typeof spec?.runtimeClassName === 'string' && exemptRuntimeClasses.has(spec.runtimeClassName);

  async function namespacePolicy(rc: RequestContext, namespace: string): Promise<Policy> {
    const ns = await requestNamespace(rc, namespace);
    return policyOf(ns?.metadata?.labels, cfg.defaults).policy;
  }

  function warn(rc: RequestContext, message: string) {
    if (!rc.warnings.includes(message)) rc.warnings.push(message);
  }

  async function validatePod(a: AdmissionRequest) {
    const pod = a.obj as J;
    const namespace = a.rc.info.namespace ?? pod?.metadata?.namespace ?? '';
    if (exempt(a, namespace, pod?.spec)) return;
    if (a.operation === 'UPDATE' && !significantPodUpdate(pod, a.old as J)) return;
    const policy = await namespacePolicy(a.rc, namespace);
    annotate(a.rc, ENFORCE_POLICY, levelVersionString(policy.enforce));
    const enforced = policy.enforce.level === 'privileged' ? [] : evaluate(policy.enforce, pod?.metadata, pod?.spec);
    audit(a.rc, policy, pod?.metadata, pod?.spec);
    if (enforced.length) {
      const name = pod?.metadata?.name ?? pod?.metadata?.generateName ?? '';
      throw forbidden({ group: '', resource: 'pods' }, name, `violates PodSecurity ${JSON.stringify(levelVersionString(policy.enforce))}: ${describe(enforced)}`);
    }
    warnFor(a.rc, policy.warn, policy.enforce, pod?.metadata, pod?.spec);
  }

  /** The warn level's warning, unless it is privileged or the same as the enforce level the object passed. */
  function warnFor(rc: RequestContext, warnLevel: LevelVersion, passed: LevelVersion | undefined, meta: J, spec: J) {
    if (warnLevel.level === 'privileged') return;
    if (passed && levelVersionString(passed) === levelVersionString(warnLevel)) return;
    const vs = evaluate(warnLevel, meta, spec);
    if (vs.length) warn(rc, `would violate PodSecurity ${JSON.stringify(levelVersionString(warnLevel))}: ${describe(vs)}`);
  }

  /** Whether the request is exempt (namespace, then user, then runtime class), noted for the audit log. */
  function exempt(a: AdmissionRequest, namespace: string, spec: J): boolean {
    const why = exemptNamespaces.has(namespace) ? 'namespace' : exemptUsers.has(a.rc.user.name) ? 'user' : runtimeExempt(spec) ? 'runtimeClass' : undefined;
    if (why) annotate(a.rc, EXEMPT, why);
    return why !== undefined;
  }

  function audit(rc: RequestContext, policy: Policy, meta: J, spec: J) {
    if (policy.audit.level === 'privileged') return;
    const vs = evaluate(policy.audit, meta, spec);
    if (vs.length) annotate(rc, AUDIT_VIOLATIONS, `would violate PodSecurity ${JSON.stringify(levelVersionString(policy.audit))}: ${describe(vs)}`);
  }

  async function validateWorkload(a: AdmissionRequest, template: (o: J) => J) {
    const namespace = a.rc.info.namespace ?? (a.obj as J)?.metadata?.namespace ?? '';
    const tpl = template(a.obj);
    if (!tpl || typeof tpl !== 'object' || exempt(a, namespace, tpl.spec)) return;
    const policy = await namespacePolicy(a.rc, namespace);
    audit(a.rc, policy, tpl.metadata, tpl.spec);
    warnFor(a.rc, policy.warn, undefined, tpl.metadata, tpl.spec);
  }

  async function validateNamespace(a: AdmissionRequest) {
    const ns = a.obj as J;
    const name = ns?.metadata?.name ?? '';
    const labels = ns?.metadata?.labels;
    const { policy, problems } = policyOf(labels, cfg.defaults);
    const refuse = () => {
      throw invalid(
        'Namespace',
        '',
        name,
        problems.map((p) => fieldErr.invalid(p.field, p.value, p.message)),
      );
    };
    if (a.operation === 'CREATE') {
      if (problems.length) refuse();
      if (exemptNamespaces.has(name)) exemptNamespaceWarning(a.rc, name, policy, labels);
      return;
    }
    const oldLabels = (a.old as J)?.metadata?.labels;
    const old = policyOf(oldLabels, cfg.defaults);
    // Invalid labels are refused when they are new (an old namespace's bad labels do not block other updates).
    if (problems.length && JSON.stringify(problems) !== JSON.stringify(old.problems)) refuse();
    const next = policy.enforce;
    // As Kubernetes: no dry run of the pods when the enforce policy did not get stricter.
    if (levelVersionString(next) === levelVersionString(old.policy.enforce) || next.level === 'privileged') return;
    if (next.version === old.policy.enforce.version && LEVELS.indexOf(next.level) <= LEVELS.indexOf(old.policy.enforce.level)) return;
    if (exemptNamespaces.has(name)) return exemptNamespaceWarning(a.rc, name, policy, labels);
    await warnExistingPods(a.rc, name, next);
  }

  /** Labels that set a policy on an exempt namespace are accepted, with a warning that they do nothing. */
  function exemptNamespaceWarning(rc: RequestContext, name: string, policy: Policy, labels: J) {
    const has = (k: string) => labels && typeof labels === 'object' && Object.hasOwn(labels, k);
    const parts = MODES.filter((m) => policy[m].level !== 'privileged' && (has(`${LABEL_PREFIX}${m}`) || has(`${LABEL_PREFIX}${m}-version`))).map((m) => `${m}=${levelVersionString(policy[m])}`);
    if (parts.length) warn(rc, `namespace ${JSON.stringify(name)} is exempt from Pod Security, and the policy (${parts.join(', ')}) will be ignored`);
  }

  async function warnExistingPods(rc: RequestContext, namespace: string, lv: LevelVersion) {
    const def = rc.api.registry.byResource('', 'v1', 'pods');
    if (!def) return;
    const page = await rc.api.objects(def).list(namespace, { limit: MAX_PODS_TO_CHECK });
    // Pods with the same violations are reported together, under the lexically first pod's name.
    const groups = new Map<string, { first: string; count: number }>();
    for (const pod of page.items as J[]) {
      if (runtimeExempt(pod?.spec)) continue;
      const vs = evaluate(lv, pod?.metadata, pod?.spec);
      if (!vs.length) continue;
      const reasons = vs.map((v) => v.reason).join(', ');
      const podName = String(pod?.metadata?.name ?? '');
      const g = groups.get(reasons);
      if (!g) groups.set(reasons, { first: podName, count: 1 });
      else {
        g.count++;
        if (podName < g.first) g.first = podName;
      }
    }
    if (page.continueKey) warn(rc, `new PodSecurity enforce level only checked against the first ${MAX_PODS_TO_CHECK} existing pods`);
    if (!groups.size) return;
    warn(rc, `existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(lv))}`);
    const lines = [...groups].map(([reasons, g]) => `${g.first}${g.count === 2 ? ' (and 1 other pod)' : g.count > 2 ? ` (and ${g.count - 1} other pods)` : ''}: ${reasons}`).sort();
    for (const line of lines.slice(0, MAX_POD_GROUPS_SHOWN)) warn(rc, line);
  }

  return {
    name: 'PodSecurity',
    handles: (a) => {
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return false;
      const r = resourceOf(a.rc);
      if (r === '/pods') return !IGNORED_POD_SUBRESOURCES.has(a.subresource);
      if (a.subresource !== '') return false;
      return r === '/namespaces' || r in WORKLOADS;
    },
    validate: async (a) => {
      const r = resourceOf(a.rc);
      if (r === '/pods') return validatePod(a);
      if (r === '/namespaces') return validateNamespace(a);
      const template = WORKLOADS[r];
      if (template) return validateWorkload(a, template);
    },
  };
}

/**
 * Whether a pod update can change what the policy says: Kubernetes lets updates through that only
 * change container images or metadata other than the security annotations.
 */
function significantPodUpdate(pod: J, old: J): boolean {
  if (!old) return true;
  const securityAnnotations = (o: J) =>
    JSON.stringify(
      Object.entries(o?.metadata?.annotations ?? {})
        .filter(([k]) => k.startsWith('container.apparmor.security.beta.kubernetes.io/') || k.startsWith('seccomp.security.alpha.kubernetes.io/') || k.startsWith('container.seccomp.security.alpha.kubernetes.io/'))
        .sort(),
    );
  if (securityAnnotations(pod) !== securityAnnotations(old)) return true;
  return !sameSpecExceptImages(pod?.spec ?? {}, old?.spec ?? {});
}

const CONTAINER_LISTS = new Set(['initContainers', 'containers', 'ephemeralContainers']);

/**
 * Whether two pod specs are equal but for their containers' images, compared in place (a copy of
 * each spec without images, serialized, cost a 5,000-container pod tens of milliseconds per update).
 */
function sameSpecExceptImages(a: J, b: J): boolean {
  const noImage = (c: unknown) => (c && typeof c === 'object' && !Array.isArray(c) ? { ...c, image: undefined } : c);
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const x = a[k];
    const y = b[k];
    if (CONTAINER_LISTS.has(k) && Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (!deepEqual(noImage(x[i]), noImage(y[i]))) return false;
    } else if (!deepEqual(x, y)) return false;
  }
  return true;
}

/** Registers the PodSecurity plugin on the server's admission chain. */
export function installPodSecurity(state: ApiState, cfg: PodSecurityConfig) {
  state.admission.register(podSecurityPlugin(cfg));
}
