// Validation of a PodSpec (for pods and for the pod templates of workloads), of pod creation, and of
// pod updates, which may change only a few fields once a pod exists.

import { fieldErr } from '../../errors.js';
import { deepEqual } from '../../../util/equal.js';
import type { FieldError, KObject } from '../../kind.js';
import { type Obj, checkDNSLabel, checkDNSSubdomain, checkLabels, isObj, isSet, num, objects, str } from './checks.js';
import { type ContainerContext, type ContainerKind, validateContainer, validateProfiles } from './container-validation.js';
import { validateAppArmorAnnotations, validateAppArmorAnnotationUpdate, validateAppArmorMatch } from './apparmor.js';
import { gatedNodeConstraintErrors, withOldNodeConstraints } from './gated-pod-update.js';
import { validateSeccompAnnotations, validateSeccompMatch } from './seccomp-annotations.js';
import { validateScheduling, validateTolerations } from './scheduling-validation.js';
import { validateVolumes } from './volume-validation.js';
import { cloneJson } from '../../../util/clone-json.js';

function validateHostPorts(spec: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const [list, kind] of [
    ['initContainers', 'init'],
    ['containers', 'regular'],
  ] as const) {
    objects(spec[list]).forEach((c, ci) => {
      objects(c.ports).forEach((port, pi) => {
        const pp = `${p}.${list}[${ci}].ports[${pi}]`;
        const host = num(port.hostPort) ?? 0;
        if (spec.hostNetwork === true && host !== 0 && host !== port.containerPort) {
          errs.push(fieldErr.invalid(`${pp}.containerPort`, port.containerPort, 'must match `hostPort` when `hostNetwork` is true'));
        }
        if (host === 0 || kind === 'init') return;
        const key = `${str(port.protocol) || 'TCP'}/${str(port.hostIP)}/${host}`;
        if (seen.has(key)) errs.push(fieldErr.duplicate(`${pp}.hostPort`, key));
        seen.add(key);
      });
    });
  }
  return errs;
}

function validatePodLevel(spec: Obj, p: string): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.dnsPolicy === 'None' && !isObj(spec.dnsConfig)) errs.push(fieldErr.required(`${p}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  const dns = spec.dnsConfig;
  if (isObj(dns)) {
    const ns = Array.isArray(dns.nameservers) ? dns.nameservers : [];
    if (ns.length > 3) errs.push(fieldErr.invalid(`${p}.dnsConfig.nameservers`, ns, 'must not have more than 3 nameservers'));
    if (spec.dnsPolicy === 'None' && ns.length === 0) errs.push(fieldErr.required(`${p}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
    const searches = Array.isArray(dns.searches) ? dns.searches : [];
    if (searches.length > 32) errs.push(fieldErr.invalid(`${p}.dnsConfig.searches`, searches, 'must not have more than 32 search paths'));
  }
  if (str(spec.hostname)) errs.push(...checkDNSLabel(`${p}.hostname`, str(spec.hostname)));
  if (str(spec.subdomain)) errs.push(...checkDNSLabel(`${p}.subdomain`, str(spec.subdomain)));
  if (str(spec.serviceAccountName)) errs.push(...checkDNSSubdomain(`${p}.serviceAccountName`, str(spec.serviceAccountName)));
  if (str(spec.priorityClassName)) errs.push(...checkDNSSubdomain(`${p}.priorityClassName`, str(spec.priorityClassName)));
  if (str(spec.runtimeClassName)) errs.push(...checkDNSSubdomain(`${p}.runtimeClassName`, str(spec.runtimeClassName)));
  const ads = spec.activeDeadlineSeconds;
  if (typeof ads === 'number' && (ads < 1 || ads > 2147483647)) errs.push(fieldErr.invalid(`${p}.activeDeadlineSeconds`, ads, 'must be between 1 and 2147483647, inclusive'));
  // A user namespace cannot be combined with the host's namespaces.
  if (spec.hostUsers === false) {
    for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[f] === true) errs.push(fieldErr.forbidden(`${p}.${f}`, 'when `hostUsers` is false'));
  }
  if (spec.hostPID === true && spec.shareProcessNamespace === true) errs.push(fieldErr.invalid(`${p}.securityContext.shareProcessNamespace`, true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  if (isObj(spec.securityContext)) {
    const sc = spec.securityContext;
    errs.push(...validateProfiles(sc, `${p}.securityContext`));
    const seen = new Set<string>();
    objects(sc.sysctls).forEach((s, i) => {
      const name = str(s.name);
      if (seen.has(name)) errs.push(fieldErr.duplicate(`${p}.securityContext.sysctls[${i}].name`, name));
      seen.add(name);
      if (spec.hostNetwork === true && /^net[./]/.test(name)) errs.push(fieldErr.invalid(`${p}.securityContext.sysctls[${i}].name`, name, "may not be specified when 'hostNetwork' is true"));
      if (!/^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/.test(str(s.name))) {
        errs.push(fieldErr.invalid(`${p}.securityContext.sysctls[${i}].name`, s.name, 'must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$'));
      }
    });
  }
  objects(spec.imagePullSecrets).forEach((s, i) => {
    if (isSet(s.name) && str(s.name) === '') errs.push(fieldErr.required(`${p}.imagePullSecrets[${i}].name`));
  });
  const claims = new Set<string>();
  objects(spec.resourceClaims).forEach((c, i) => {
    const cp = `${p}.resourceClaims[${i}]`;
    if (str(c.name)) errs.push(...checkDNSLabel(`${cp}.name`, str(c.name)));
    claims.add(str(c.name));
    const set = ['resourceClaimName', 'resourceClaimTemplateName'].filter((k) => isSet(c[k]));
    if (set.length !== 1) errs.push(fieldErr.invalid(cp, c, 'must specify one of: `resourceClaimName`, `resourceClaimTemplateName`'));
  });
  for (const list of ['initContainers', 'containers']) {
    objects(spec[list]).forEach((c, ci) => {
      const res = c.resources;
      if (!isObj(res)) return;
      objects(res.claims).forEach((rc, ri) => {
        if (!claims.has(str(rc.name))) errs.push(fieldErr.notSupported(`${p}.${list}[${ci}].resources.claims[${ri}].name`, rc.name, [...claims]));
      });
    });
  }
  return errs;
}

/** Containers validated per step of podSpecValidationSteps: a few milliseconds of work each. */
const CONTAINERS_PER_STEP = 500;

/**
 * Validates a PodSpec at path p ("spec", "spec.template.spec"...). isPod: a Pod rather than a template.
 * claimVolumes: volumes that will exist without being listed (a StatefulSet's volumeClaimTemplates).
 */
export function validatePodSpec(spec: unknown, p: string, opts: { isPod: boolean; claimVolumes?: string[] }): FieldError[] {
  return podSpecValidationSteps(spec, p, opts).flatMap((step) => step());
}

/**
 * validatePodSpec as steps to run in order, each returning its share of the errors (in the same
 * order): a pod of thousands of containers is validated a few hundred containers per step, so the
 * API server can give the event loop a turn between them (KindDef.validateParts).
 */
export function podSpecValidationSteps(spec: unknown, p: string, opts: { isPod: boolean; claimVolumes?: string[] }): (() => FieldError[])[] {
  if (!isObj(spec)) return [() => [fieldErr.required(`${p}.containers`)]];
  // The volumes, validated by the first step, are what the containers' mounts are checked against.
  let ctx: ContainerContext;
  const first = () => {
    const { errors, byName } = validateVolumes(spec.volumes, `${p}.volumes`, opts.isPod);
    for (const name of opts.claimVolumes ?? []) if (!byName.has(name)) byName.set(name, { name, persistentVolumeClaim: { claimName: name } });
    ctx = { volumes: byName, isPod: opts.isPod, terminationGracePeriodSeconds: num(spec.terminationGracePeriodSeconds) };
    return Array.isArray(spec.containers) && spec.containers.length === 0 ? [...errors, fieldErr.required(`${p}.containers`)] : errors;
  };

  // Names are unique across regular, init and ephemeral containers.
  const names = new Set<string>();
  const lists: [string, ContainerKind][] = [
    ['containers', 'regular'],
    ['initContainers', 'init'],
    ['ephemeralContainers', 'ephemeral'],
  ];
  const all = lists.flatMap(([list, kind]) => objects(spec[list]).map((c, i) => ({ c, cp: `${p}.${list}[${i}]`, kind })));
  const containerSteps: (() => FieldError[])[] = [];
  for (let from = 0; from < all.length; from += CONTAINERS_PER_STEP) {
    const part = all.slice(from, from + CONTAINERS_PER_STEP);
    containerSteps.push(() => {
      const errs: FieldError[] = [];
      for (const { c, cp, kind } of part) {
        errs.push(...validateContainer(c, cp, kind, ctx));
        const name = str(c.name);
        if (!name) continue;
        if (names.has(name)) errs.push(fieldErr.duplicate(`${cp}.name`, name));
        names.add(name);
      }
      return errs;
    });
  }
  const last = () => {
    const errs: FieldError[] = [];
    // One set of names for every ephemeral container, not a scan of all containers per one.
    const targets = new Set([...objects(spec.containers), ...objects(spec.initContainers)].map((x) => x.name));
    objects(spec.ephemeralContainers).forEach((c, i) => {
      const target = str(c.targetContainerName);
      if (target && !targets.has(target)) errs.push({ field: `${p}.ephemeralContainers[${i}].targetContainerName`, reason: 'FieldValueNotFound', message: `Not found: ${JSON.stringify(target)}` });
    });
    errs.push(...validateHostPorts(spec, p));
    errs.push(...validatePodLevel(spec, p));
    errs.push(...validateScheduling(spec, p));
    return errs;
  };
  return [first, ...containerSteps, last];
}

/** A pod template of a workload at path p ("spec.template"): metadata labels and a PodSpec. */
export function validatePodTemplateSpec(template: unknown, p: string, claimVolumes?: string[]): FieldError[] {
  if (!isObj(template)) return [fieldErr.required(p)];
  const meta = isObj(template.metadata) ? template.metadata : {};
  const errs = checkLabels(`${p}.metadata.labels`, meta.labels);
  errs.push(...validatePodSpec(template.spec, `${p}.spec`, { isPod: false, claimVolumes }));
  errs.push(...validateAppArmorAnnotations(meta, template.spec, `${p}.metadata.annotations`), ...validateAppArmorMatch(meta, template.spec, `${p}.spec`));
  errs.push(...validateSeccompAnnotations(meta, `${p}.metadata.annotations`), ...validateSeccompMatch(meta, template.spec, `${p}.spec`));
  const spec = template.spec;
  if (isObj(spec) && Array.isArray(spec.ephemeralContainers) && spec.ephemeralContainers.length > 0) {
    errs.push(fieldErr.forbidden(`${p}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

/** Pod creation: the spec, plus what only a new pod may not have, as steps (see podSpecValidationSteps). */
export function podCreateValidationSteps(pod: KObject): (() => FieldError[])[] {
  return [...podSpecValidationSteps(pod.spec, 'spec', { isPod: true }), () => validateNewPodRules(pod)];
}

/** What only a new pod may not have (its spec's rules aside). */
function validateNewPodRules(pod: KObject): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateAppArmorAnnotations(pod.metadata, pod.spec, 'metadata.annotations'), ...validateAppArmorMatch(pod.metadata, pod.spec, 'spec'));
  errs.push(...validateSeccompAnnotations(pod.metadata, 'metadata.annotations'), ...validateSeccompMatch(pod.metadata, pod.spec, 'spec'));
  const spec = pod.spec;
  if (isObj(spec) && Array.isArray(spec.ephemeralContainers) && spec.ephemeralContainers.length > 0) {
    errs.push(fieldErr.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  }
  // A pod is bound only once nothing holds it back from scheduling.
  if (isObj(spec) && str(spec.nodeName) && objects(spec.schedulingGates).length > 0) {
    errs.push(fieldErr.forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

export const UPDATABLE_POD_FIELDS = ['`spec.containers[*].image`', '`spec.initContainers[*].image`', '`spec.activeDeadlineSeconds`', '`spec.tolerations` (only additions to existing tolerations)', '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)'];

/** Top-level spec fields that differ, for the Forbidden message (Kubernetes prints a diff instead). */
function changedFields(a: Obj, b: Obj): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !deepEqual(a[k], b[k])).sort();
}

/** Ephemeral containers may only be added (through the ephemeralcontainers subresource). */
function validateEphemeralUpdate(spec: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const cur = new Map(objects(spec.ephemeralContainers).map((c) => [str(c.name), c]));
  for (const o of objects(old.ephemeralContainers)) {
    const n = cur.get(str(o.name));
    if (!n) errs.push(fieldErr.forbidden('spec.ephemeralContainers', `existing ephemeral containers "${str(o.name)}" may not be removed`));
    else if (!deepEqual(n, o)) errs.push(fieldErr.forbidden('spec.ephemeralContainers', `existing ephemeral containers "${str(o.name)}" may not be changed`));
  }
  return errs;
}

/** Pod update: only images, a shorter activeDeadlineSeconds, added tolerations and a few more may change. */
export function validatePodUpdate(pod: KObject, old: KObject): FieldError[] {
  const spec = isObj(pod.spec) ? pod.spec : {};
  const oldSpec = isObj(old.spec) ? old.spec : {};
  const errs: FieldError[] = validateAppArmorAnnotationUpdate(pod.metadata, old.metadata);
  const munged: Obj = cloneJson(spec);

  for (const list of ['containers', 'initContainers']) {
    const cur = objects(munged[list]);
    const prev = objects(oldSpec[list]);
    if (cur.length !== prev.length) {
      errs.push(fieldErr.forbidden(`spec.${list}`, 'pod updates may not add or remove containers'));
      return errs;
    }
    cur.forEach((c, i) => {
      if (isSet(prev[i].image)) c.image = prev[i].image;
      else delete c.image;
    });
  }

  const ads = spec.activeDeadlineSeconds;
  const oldAds = oldSpec.activeDeadlineSeconds;
  if (typeof oldAds === 'number') {
    if (!isSet(ads)) errs.push(fieldErr.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
    else if (typeof ads === 'number' && ads > oldAds) errs.push(fieldErr.invalid('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value'));
  }
  if (isSet(oldAds)) munged.activeDeadlineSeconds = oldAds;
  else delete munged.activeDeadlineSeconds;

  // Tolerations: existing ones stay (their tolerationSeconds may change); new ones may be added.
  // Compared through a Set of canonical forms (sorted keys, without tolerationSeconds): linear.
  const canonical = (t: Obj) =>
    JSON.stringify(
      Object.keys(t)
        .filter((k) => k !== 'tolerationSeconds' && t[k] !== undefined)
        .sort()
        .map((k) => [k, t[k]]),
    );
  const cur = new Set(objects(spec.tolerations).map(canonical));
  for (const o of objects(oldSpec.tolerations)) {
    if (!cur.has(canonical(o))) {
      errs.push(fieldErr.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }
  errs.push(...validateTolerations(spec.tolerations, 'spec.tolerations'));
  if (isSet(oldSpec.tolerations)) munged.tolerations = oldSpec.tolerations;
  else delete munged.tolerations;

  // Scheduling gates can only be removed; while a pod is gated its node constraints may be added to.
  const oldGates = new Set(objects(oldSpec.schedulingGates).map((g) => str(g.name)));
  for (const g of objects(spec.schedulingGates)) {
    if (!oldGates.has(str(g.name))) errs.push(fieldErr.forbidden('spec.schedulingGates', `only deletion is allowed, but found new scheduling gate '${str(g.name)}'`));
  }
  if (isSet(oldSpec.schedulingGates)) munged.schedulingGates = oldSpec.schedulingGates;
  else delete munged.schedulingGates;
  if (oldGates.size > 0) {
    errs.push(...gatedNodeConstraintErrors(spec, oldSpec));
    withOldNodeConstraints(munged, oldSpec);
  }

  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;

  errs.push(...validateEphemeralUpdate(spec, oldSpec));
  if (isSet(oldSpec.ephemeralContainers)) munged.ephemeralContainers = oldSpec.ephemeralContainers;
  else delete munged.ephemeralContainers;

  if (!deepEqual(munged, oldSpec)) {
    const changed = changedFields(oldSpec, munged)
      .map((f) => `spec.${f}`)
      .join(', ');
    errs.push(fieldErr.forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_FIELDS.join(',')}\n(changed: ${changed})`));
  }
  return errs;
}
