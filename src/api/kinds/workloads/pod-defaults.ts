// Pod defaulting that depends on other fields (static defaults are schema `default`s):
// - every PodSpec, in pods and in templates: image pull policy from the image tag, an emptyDir for a
//   volume without a source, zeroed probe timings, the deprecated serviceAccount alias;
// - pods only (as Kubernetes does it, so templates stay as written): requests copied from limits,
//   enableServiceLinks, and host ports mirrored from container ports on the host network.

import type { KObject } from '../../kind.js';
import { TAINT_NOT_READY, TAINT_UNREACHABLE } from '../../well-known.js';
import { volumeSources } from './volumes.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** The tag of an image reference: 'latest' when neither tag nor digest is given, '' with a digest only. */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : '';
  if (tag) return tag;
  return at >= 0 ? '' : 'latest';
}

/** Always for :latest (or no tag), else IfNotPresent: Kubernetes' rule. */
export const defaultPullPolicy = (image: unknown) => (typeof image === 'string' && image !== '' && imageTag(image) === 'latest' ? 'Always' : 'IfNotPresent');

const PROBE_DEFAULTS: Record<string, number> = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };

function defaultContainer(c: Obj) {
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(c.image);
  // Kubernetes always shows a container's resources, even when empty.
  if (!isObj(c.resources)) c.resources = {};
  // Kubernetes treats an explicit 0 like an absent value for these probe timings.
  for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = c[p];
    if (!isObj(probe)) continue;
    for (const [k, d] of Object.entries(PROBE_DEFAULTS)) if (!probe[k]) probe[k] = d;
  }
}

/** Defaults for any PodSpec (pods, pod templates of workloads). */
export function defaultPodSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) objects(spec[list]).forEach(defaultContainer);
  for (const v of objects(spec.volumes)) {
    if (!Object.keys(volumeSources).some((k) => v[k] !== undefined && v[k] !== null)) v.emptyDir = {};
    if (isObj(v.image) && !v.image.pullPolicy) v.image.pullPolicy = defaultPullPolicy(v.image.reference);
  }
  // serviceAccount is the deprecated spelling; the two are kept equal, serviceAccountName winning.
  if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string' && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
}

/** Defaults for the pod template of a workload (template may be absent). */
export function defaultPodTemplate(template: unknown): void {
  if (isObj(template)) defaultPodSpec(template.spec);
}

/** Defaults only a Pod object gets. */
export function defaultPod(pod: KObject): void {
  const spec = pod.spec;
  if (!isObj(spec)) return;
  defaultPodSpec(spec);
  for (const c of [...objects(spec.containers), ...objects(spec.initContainers)]) {
    const res = c.resources;
    if (!isObj(res) || !isObj(res.limits)) continue;
    const requests = isObj(res.requests) ? res.requests : (res.requests = {});
    for (const [k, v] of Object.entries(res.limits)) if (requests[k] === undefined) requests[k] = v;
  }
  if (spec.enableServiceLinks === undefined || spec.enableServiceLinks === null) spec.enableServiceLinks = true;
  addDefaultTolerations(spec);
  if (spec.hostNetwork === true) {
    for (const c of [...objects(spec.containers), ...objects(spec.initContainers)]) {
      for (const p of objects(c.ports)) if (!p.hostPort) p.hostPort = p.containerPort;
    }
  }
}

/**
 * Kubernetes' DefaultTolerationSeconds admission: a pod tolerates its node being not-ready or
 * unreachable for 5 minutes before the node lifecycle controller evicts it, unless it says otherwise.
 */
function addDefaultTolerations(spec: Record<string, unknown>) {
  const tolerations = Array.isArray(spec.tolerations) ? (spec.tolerations as Record<string, unknown>[]) : [];
  const covers = (key: string) => tolerations.some((t) => isObj(t) && (t.operator === 'Exists' && !t.key ? !t.effect || t.effect === 'NoExecute' : t.key === key && (!t.effect || t.effect === 'NoExecute')));
  const add: Record<string, unknown>[] = [];
  for (const key of [TAINT_NOT_READY, TAINT_UNREACHABLE]) {
    if (!covers(key)) add.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  if (add.length) spec.tolerations = [...tolerations, ...add];
}
