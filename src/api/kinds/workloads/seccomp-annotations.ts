// The seccomp alpha annotations (seccomp.security.alpha.kubernetes.io/pod and
// container.seccomp.security.alpha.kubernetes.io/<container>): non-functional since 1.27, yet still
// validated by Kubernetes 1.32: a value must name a profile, and where an annotation and the
// seccompProfile field are both given they must agree.

import { fieldErr } from '../../errors.js';
import type { FieldError } from '../../kind.js';
import { type Obj, isObj, objects, str } from './checks.js';

const POD_KEY = 'seccomp.security.alpha.kubernetes.io/pod';
const CONTAINER_PREFIX = 'container.seccomp.security.alpha.kubernetes.io/';
const LOCALHOST = 'localhost/';

function profileErrors(value: string, path: string): FieldError[] {
  if (value === 'runtime/default' || value === 'docker/default' || value === 'unconfined') return [];
  if (value.startsWith(LOCALHOST)) {
    const p = value.slice(LOCALHOST.length);
    const errs: FieldError[] = [];
    if (p.startsWith('/')) errs.push(fieldErr.invalid(path, p, 'must be a relative path'));
    if (p.split('/').includes('..')) errs.push(fieldErr.invalid(path, p, "must not contain '..'"));
    return errs;
  }
  return [fieldErr.invalid(path, value, 'must be a valid seccomp profile')];
}

/** The annotations' values (Kubernetes paths them as children of the annotations, not keys). */
export function validateSeccompAnnotations(meta: unknown, annotationsPath: string): FieldError[] {
  if (!isObj(meta) || !isObj(meta.annotations)) return [];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(meta.annotations)) {
    if (k === POD_KEY || k.startsWith(CONTAINER_PREFIX)) errs.push(...profileErrors(str(v), `${annotationsPath}.${k}`));
  }
  return errs;
}

function mismatch(annotation: string, profile: Obj, path: string): FieldError | undefined {
  const type = profile.type;
  const typeErr = fieldErr.forbidden(`${path}.type`, 'seccomp type in annotation and field must match');
  if (type === 'Unconfined') return annotation === 'unconfined' ? undefined : typeErr;
  if (type === 'RuntimeDefault') return annotation === 'runtime/default' || annotation === 'docker/default' ? undefined : typeErr;
  if (type === 'Localhost') {
    if (!annotation.startsWith(LOCALHOST)) return typeErr;
    if (annotation.slice(LOCALHOST.length) !== profile.localhostProfile) return fieldErr.forbidden(`${path}.localhostProfile`, 'seccomp profile in annotation and field must match');
  }
  return undefined;
}

/** Annotation and field both given: they must say the same (pod level, then each container). */
export function validateSeccompMatch(meta: unknown, spec: unknown, specPath: string): FieldError[] {
  if (!isObj(spec)) return [];
  const annotations = isObj(meta) && isObj(meta.annotations) ? meta.annotations : {};
  const errs: FieldError[] = [];
  const psc = isObj(spec.securityContext) ? spec.securityContext : {};
  if (isObj(psc.seccompProfile) && Object.hasOwn(annotations, POD_KEY)) {
    const e = mismatch(str(annotations[POD_KEY]), psc.seccompProfile, `${specPath}.securityContext.seccompProfile`);
    if (e) errs.push(e);
  }
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    objects(spec[list]).forEach((c, i) => {
      const prof = isObj(c.securityContext) ? c.securityContext.seccompProfile : undefined;
      const key = CONTAINER_PREFIX + str(c.name);
      if (!isObj(prof) || !Object.hasOwn(annotations, key)) return;
      const e = mismatch(str(annotations[key]), prof, `${specPath}.${list}[${i}].securityContext.seccompProfile`);
      if (e) errs.push(e);
    });
  }
  return errs;
}
