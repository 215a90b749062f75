// The PodSecurity admission plugin (Kubernetes' Pod Security Admission): pods are checked against
// their namespace's policy on create and update (not on status updates, nor on updates that only
// change images or metadata): a violation of the enforce level is refused (403), of the warn level
// a warning kubectl prints. Workload templates (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
// CronJob, ReplicationController) get the warnings only, as in Kubernetes: their pods are what
// enforce refuses. Namespaces: invalid pod-security labels are refused (422); a stricter enforce
// label warns about the namespace's existing pods that violate it.
// Audit annotations (pod-security.kubernetes.io/audit-violations) wait for the audit log: the
// audit level is parsed and kept in the policy, nothing is recorded yet.

import { fieldErr, forbidden, invalid } from '../../../api/errors.js';
import type { ApiState, RequestContext } from '../../context.js';
import type { AdmissionPlugin, AdmissionRequest } from '../chain.js';
import type { PodSecurityConfig } from './config.js';
import { describe, evaluate, LEVELS, levelVersionString, type LevelVersion, type Policy, policyOf } from './policy.js';

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

/** At most this many existing pods are checked when a namespace's enforce level changes (Kubernetes' limit). */
const MAX_PODS_TO_CHECK = 3000;
const MAX_POD_GROUPS_SHOWN = 20;

const resourceOf = (rc: RequestContext) => `${rc.def.group}/${rc.def.plural}`;

export function podSecurityPlugin(cfg: PodSecurityConfig): AdmissionPlugin {
  const exemptNamespaces = new Set(cfg.exemptions.namespaces);
  const exemptUsers = new Set(cfg.exemptions.usernames);
  const exemptRuntimeClasses = new Set(cfg.exemptions.runtimeClasses);
  const runtimeExempt = (spec: J) => typeof spec?.runtimeClassName === 'string' && exemptRuntimeClasses.has(spec.runtimeClassName);

  async function namespacePolicy(api: ApiState, namespace: string): Promise<Policy> {
    const def = api.registry.byResource('', 'v1', 'namespaces');
    const ns = def ? (await api.objects(def).get(undefined, namespace))?.obj : undefined;
    return policyOf(ns?.metadata?.labels, cfg.defaults).policy;
  }

  function warn(rc: RequestContext, message: string) {
    if (!rc.warnings.includes(message)) rc.warnings.push(message);
  }

  async function validatePod(a: AdmissionRequest) {
    const pod = a.obj as J;
    const namespace = a.rc.info.namespace ?? pod?.metadata?.namespace ?? '';
    if (exemptNamespaces.has(namespace) || exemptUsers.has(a.rc.user.name) || runtimeExempt(pod?.spec)) return;
    if (a.operation === 'UPDATE' && !significantPodUpdate(pod, a.old as J)) return;
    const policy = await namespacePolicy(a.rc.api, namespace);
    const enforced = policy.enforce.level === 'privileged' ? [] : evaluate(policy.enforce, pod?.metadata, pod?.spec);
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

  async function validateWorkload(a: AdmissionRequest, template: (o: J) => J) {
    const namespace = a.rc.info.namespace ?? (a.obj as J)?.metadata?.namespace ?? '';
    if (exemptNamespaces.has(namespace)) return;
    const tpl = template(a.obj);
    if (!tpl || typeof tpl !== 'object' || runtimeExempt(tpl.spec)) return;
    if (a.operation === 'UPDATE' && JSON.stringify(tpl) === JSON.stringify(template(a.old))) return;
    const policy = await namespacePolicy(a.rc.api, namespace);
    warnFor(a.rc, policy.warn, undefined, tpl.metadata, tpl.spec);
  }

  async function validateNamespace(a: AdmissionRequest) {
    const ns = a.obj as J;
    const name = ns?.metadata?.name ?? '';
    const labels = ns?.metadata?.labels;
    const { policy, problems } = policyOf(labels, cfg.defaults);
    const oldLabels = (a.old as J)?.metadata?.labels;
    const labelsChanged = a.operation === 'CREATE' || podSecurityLabels(labels) !== podSecurityLabels(oldLabels);
    if (problems.length && labelsChanged) {
      throw invalid(
        'Namespace',
        '',
        name,
        problems.map((p) => fieldErr.invalid(p.field, p.value, p.message)),
      );
    }
    if (a.operation !== 'UPDATE' || !labelsChanged) return;
    const old = policyOf(oldLabels, cfg.defaults).policy;
    const next = policy.enforce;
    // As Kubernetes: no dry run of the pods when the enforce policy did not get stricter.
    if (levelVersionString(next) === levelVersionString(old.enforce) || next.level === 'privileged') return;
    if (next.version === old.enforce.version && LEVELS.indexOf(next.level) <= LEVELS.indexOf(old.enforce.level)) return;
    if (exemptNamespaces.has(name)) {
      warn(a.rc, `namespace ${JSON.stringify(name)} is exempt from Pod Security, and the policy (enforce=${levelVersionString(next)}) will be ignored`);
      return;
    }
    await warnExistingPods(a.rc, name, next);
  }

  async function warnExistingPods(rc: RequestContext, namespace: string, lv: LevelVersion) {
    const def = rc.api.registry.byResource('', 'v1', 'pods');
    if (!def) return;
    const page = await rc.api.objects(def).list(namespace, { limit: MAX_PODS_TO_CHECK });
    // Pods with the same violations are reported together, first pod by name.
    const groups = new Map<string, string[]>();
    for (const pod of page.items as J[]) {
      if (runtimeExempt(pod?.spec)) continue;
      const vs = evaluate(lv, pod?.metadata, pod?.spec);
      if (!vs.length) continue;
      const reasons = vs.map((v) => v.reason).join(', ');
      groups.set(reasons, [...(groups.get(reasons) ?? []), pod?.metadata?.name ?? '']);
    }
    if (groups.size === 0 && !page.continueKey) return;
    if (groups.size) warn(rc, `existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(lv))}`);
    let shown = 0;
    for (const [reasons, pods] of groups) {
      if (shown++ >= MAX_POD_GROUPS_SHOWN) break;
      pods.sort();
      const more = pods.length - 1;
      warn(rc, `${pods[0]}${more ? ` (and ${more} other ${more === 1 ? 'pod' : 'pods'})` : ''}: ${reasons}`);
    }
    if (page.continueKey) warn(rc, `new PodSecurity enforce level only checked against the first ${MAX_PODS_TO_CHECK} pods`);
  }

  return {
    name: 'PodSecurity',
    handles: (a) => {
      if (a.operation !== 'CREATE' && a.operation !== 'UPDATE') return false;
      const r = resourceOf(a.rc);
      if (r === '/pods') return a.subresource === '' || a.subresource === 'ephemeralcontainers';
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

const podSecurityLabels = (labels: J) =>
  JSON.stringify(
    Object.entries(labels && typeof labels === 'object' ? labels : {})
      .filter(([k]) => k.startsWith('pod-security.kubernetes.io/'))
      .sort(),
  );

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
  const withoutImages = (spec: J) => {
    const s = structuredClone(spec ?? {});
    for (const k of ['initContainers', 'containers', 'ephemeralContainers']) for (const c of Array.isArray(s[k]) ? s[k] : []) if (c && typeof c === 'object') delete c.image;
    return JSON.stringify(s);
  };
  return withoutImages(pod?.spec) !== withoutImages(old?.spec);
}

/** Registers the PodSecurity plugin on the server's admission chain. */
export function installPodSecurity(state: ApiState, cfg: PodSecurityConfig) {
  state.admission.register(podSecurityPlugin(cfg));
}
