// AppArmor's two spellings: the annotations container.apparmor.security.beta.kubernetes.io/<container>
// (deprecated since 1.30) and the appArmorProfile fields of the pod's and containers' security
// contexts. As Kubernetes 1.32 does on pod create, each is mirrored into the other (so old and new
// clients, and a node agent reading either, agree), annotations are validated, and where both are
// given they must say the same thing; on update the annotations may no longer change.

import { fieldErr } from '../../errors.js';
import type { FieldError, KObject } from '../../kind.js';
import { type Obj, isObj, objects, str } from './checks.js';
import { APPARMOR_PREFIX } from './pod-warnings.js';

const RUNTIME_DEFAULT = 'runtime/default';
const UNCONFINED = 'unconfined';
const LOCALHOST = 'localhost/';

type Profile = { type: string; localhostProfile?: string };

/** The annotation value that says what a field says ('' when the field cannot be expressed). */
export function annotationForField(p: unknown): string {
  if (!isObj(p)) return '';
  if (p.type === 'Unconfined') return UNCONFINED;
  if (p.type === 'RuntimeDefault') return RUNTIME_DEFAULT;
  if (p.type === 'Localhost' && typeof p.localhostProfile === 'string') return LOCALHOST + p.localhostProfile;
  return '';
}

/** The field an annotation value stands for; undefined for a value that names no valid profile. */
export function fieldForAnnotation(v: string): Profile | undefined {
  if (v === UNCONFINED) return { type: 'Unconfined' };
  if (v === RUNTIME_DEFAULT) return { type: 'RuntimeDefault' };
  if (v.startsWith(LOCALHOST)) {
    const name = v.slice(LOCALHOST.length);
    // Kubernetes skips a value whose field would not validate (empty or padded names).
    if (name !== '' && name.trim() === name) return { type: 'Localhost', localhostProfile: name };
  }
  return undefined;
}

const sameProfile = (a: unknown, b: unknown) => isObj(a) && isObj(b) && a.type === b.type && (a.localhostProfile ?? null) === (b.localhostProfile ?? null);

function allContainers(spec: Obj): Obj[] {
  return [...objects(spec.initContainers), ...objects(spec.containers), ...objects(spec.ephemeralContainers)];
}

/**
 * Kubernetes' AppArmor version skew on pod create: a container without the annotation gets one from
 * its (or the pod's) field; a container with the annotation and no field gets the field, unless it
 * equals the pod's. A mirrored or unusable annotation earns the deprecation warning.
 */
export function mirrorAppArmor(pod: KObject, warnings: string[]): void {
  const spec = pod.spec;
  if (!isObj(spec)) return;
  if (isObj(spec.os) && spec.os.name === 'windows') return;
  const podProfile = isObj(spec.securityContext) ? spec.securityContext.appArmorProfile : undefined;
  const meta = (pod.metadata ??= {});
  for (const c of allContainers(spec)) {
    const key = APPARMOR_PREFIX + str(c.name);
    const annotations = isObj(meta.annotations) ? (meta.annotations as Record<string, string>) : undefined;
    const has = annotations !== undefined && Object.hasOwn(annotations, key);
    const own = isObj(c.securityContext) ? c.securityContext.appArmorProfile : undefined;
    if (!has) {
      const value = annotationForField(isObj(own) ? own : podProfile);
      if (value) meta.annotations = { ...(annotations ?? {}), [key]: value };
      continue;
    }
    if (isObj(own)) continue;
    const field = fieldForAnnotation(str(annotations[key]));
    let warn = field === undefined;
    if (field && !sameProfile(field, podProfile)) {
      c.securityContext = { ...(isObj(c.securityContext) ? c.securityContext : {}), appArmorProfile: field };
      warn = true;
    }
    if (warn) warnings.push(`metadata.annotations[${key}]: deprecated since v1.30; use the "appArmorProfile" field instead`);
  }
}

/** The annotations' own validation: a known container, a well-formed profile name. */
export function validateAppArmorAnnotations(meta: unknown, spec: unknown, annotationsPath: string): FieldError[] {
  if (!isObj(meta) || !isObj(meta.annotations) || !isObj(spec)) return [];
  const names = new Set(allContainers(spec).map((c) => str(c.name)));
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(meta.annotations)) {
    if (!k.startsWith(APPARMOR_PREFIX)) continue;
    const container = k.slice(APPARMOR_PREFIX.length);
    if (!names.has(container)) errs.push(fieldErr.invalid(`${annotationsPath}[${k}]`, container, 'container not found'));
    const value = str(v);
    if (value !== '' && value !== RUNTIME_DEFAULT && value !== UNCONFINED && !value.startsWith(LOCALHOST)) errs.push(fieldErr.invalid(`${annotationsPath}[${k}]`, value, `invalid AppArmor profile name: ${JSON.stringify(value)}`));
  }
  return errs;
}

/** On create: where a container has both an annotation and a (container or pod) field, they must match. */
export function validateAppArmorMatch(meta: unknown, spec: unknown, specPath: string): FieldError[] {
  if (!isObj(spec) || (isObj(spec.os) && spec.os.name === 'windows')) return [];
  const annotations = isObj(meta) && isObj(meta.annotations) ? meta.annotations : {};
  const podProfile = isObj(spec.securityContext) ? spec.securityContext.appArmorProfile : undefined;
  const errs: FieldError[] = [];
  for (const [list, items] of [
    ['initContainers', objects(spec.initContainers)],
    ['containers', objects(spec.containers)],
    ['ephemeralContainers', objects(spec.ephemeralContainers)],
  ] as const) {
    items.forEach((c, i) => {
      const own = isObj(c.securityContext) ? c.securityContext.appArmorProfile : undefined;
      const profile = isObj(own) ? own : podProfile;
      if (!isObj(profile)) return;
      const key = APPARMOR_PREFIX + str(c.name);
      if (!Object.hasOwn(annotations, key)) return;
      const annotation = str(annotations[key]);
      const p = `${specPath}.${list}[${i}].securityContext.appArmorProfile`;
      const typeMismatch = () => errs.push(fieldErr.forbidden(`${p}.type`, 'apparmor type in annotation and field must match'));
      if (profile.type === 'Unconfined' && annotation !== UNCONFINED) typeMismatch();
      else if (profile.type === 'RuntimeDefault' && annotation !== RUNTIME_DEFAULT) typeMismatch();
      else if (profile.type === 'Localhost') {
        if (!annotation.startsWith(LOCALHOST)) typeMismatch();
        else if (annotation.slice(LOCALHOST.length) !== profile.localhostProfile) errs.push(fieldErr.forbidden(`${p}.localhostProfile`, 'apparmor profile in annotation and field must match'));
      }
    });
  }
  return errs;
}

/** On pod update: AppArmor annotations can be neither added, changed nor removed. */
export function validateAppArmorAnnotationUpdate(meta: unknown, oldMeta: unknown): FieldError[] {
  const now = isObj(meta) && isObj(meta.annotations) ? meta.annotations : {};
  const before = isObj(oldMeta) && isObj(oldMeta.annotations) ? oldMeta.annotations : {};
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(before)) {
    if (k.startsWith(APPARMOR_PREFIX) && now[k] !== v) errs.push(fieldErr.forbidden(`metadata.annotations[${k}]`, 'may not remove or update AppArmor annotations'));
  }
  for (const k of Object.keys(now)) {
    if (k.startsWith(APPARMOR_PREFIX) && !Object.hasOwn(before, k)) errs.push(fieldErr.forbidden(`metadata.annotations[${k}]`, 'may not add AppArmor annotations'));
  }
  return errs;
}
