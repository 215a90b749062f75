// Validation of a pod's volumes: unique DNS-label names, exactly one source each, and the checks of
// the common sources (claims, projected files and their modes, tokens, ephemeral claim templates).

import { fieldErr } from '../../errors.js';
import type { FieldError } from '../../kind.js';
import { type Obj, checkDNSLabel, isObj, isSet, objects, str } from './checks.js';
import { volumeSources } from './volumes.js';

const MAX_MODE = 0o777;

function checkMode(field: string, v: unknown): FieldError[] {
  return typeof v === 'number' && (v < 0 || v > MAX_MODE) ? [fieldErr.invalid(field, v, 'must be a number between 0 and 0777 (octal), both inclusive')] : [];
}

function checkRelativePath(field: string, v: unknown): FieldError[] {
  const s = str(v);
  const errs: FieldError[] = [];
  if (s.startsWith('/')) errs.push(fieldErr.invalid(field, s, 'must be a relative path'));
  if (s.split('/').includes('..')) errs.push(fieldErr.invalid(field, s, "must not contain '..'"));
  else if (s.startsWith('..')) errs.push(fieldErr.invalid(field, s, "must not start with '..'"));
  return errs;
}

function checkItems(field: string, items: unknown): FieldError[] {
  const errs: FieldError[] = [];
  objects(items).forEach((it, i) => {
    const ip = `${field}[${i}]`;
    if (it.path === '') errs.push(fieldErr.required(`${ip}.path`));
    errs.push(...checkRelativePath(`${ip}.path`, it.path));
    errs.push(...checkMode(`${ip}.mode`, it.mode));
  });
  return errs;
}

function validateProjected(src: Obj, p: string): FieldError[] {
  const errs = checkMode(`${p}.defaultMode`, src.defaultMode);
  objects(src.sources).forEach((s, i) => {
    const sp = `${p}.sources[${i}]`;
    const kinds = ['secret', 'downwardAPI', 'configMap', 'serviceAccountToken', 'clusterTrustBundle'].filter((k) => isSet(s[k]));
    for (const extra of kinds.slice(1)) errs.push(fieldErr.forbidden(`${sp}.${extra}`, 'may not specify more than 1 volume type per source'));
    for (const k of ['secret', 'configMap', 'downwardAPI']) if (isObj(s[k])) errs.push(...checkItems(`${sp}.${k}.items`, (s[k] as Obj).items));
    const tok = s.serviceAccountToken;
    if (isObj(tok)) {
      const exp = tok.expirationSeconds;
      if (typeof exp === 'number' && exp < 600) errs.push(fieldErr.invalid(`${sp}.serviceAccountToken.expirationSeconds`, exp, 'may not specify a duration less than 10 minutes'));
      if (typeof exp === 'number' && exp > 2 ** 32) errs.push(fieldErr.invalid(`${sp}.serviceAccountToken.expirationSeconds`, exp, 'may not specify a duration larger than 2^32 seconds'));
      if (tok.path === '') errs.push(fieldErr.required(`${sp}.serviceAccountToken.path`));
      errs.push(...checkRelativePath(`${sp}.serviceAccountToken.path`, tok.path));
    }
  });
  return errs;
}

function validateSource(kind: string, src: Obj, p: string, isPod: boolean): FieldError[] {
  switch (kind) {
    case 'persistentVolumeClaim':
      return src.claimName === '' ? [fieldErr.required(`${p}.claimName`)] : [];
    case 'hostPath':
      return src.path === '' ? [fieldErr.required(`${p}.path`)] : [];
    case 'secret':
    case 'configMap':
    case 'downwardAPI':
      return [...checkMode(`${p}.defaultMode`, src.defaultMode), ...checkItems(`${p}.items`, src.items)];
    case 'projected':
      return validateProjected(src, p);
    case 'csi':
      return src.driver === '' ? [fieldErr.required(`${p}.driver`)] : [];
    case 'ephemeral':
      return isObj(src.volumeClaimTemplate) ? [] : [fieldErr.required(`${p}.volumeClaimTemplate`)];
    case 'image':
      return isPod && !str(src.reference) ? [fieldErr.required(`${p}.reference`)] : [];
    case 'nfs':
      return src.server === '' ? [fieldErr.required(`${p}.server`)] : [];
    default:
      return [];
  }
}

/** Validates spec.volumes and returns the volumes by name (for mount checks). */
export function validateVolumes(volumes: unknown, p: string, isPod: boolean): { errors: FieldError[]; byName: Map<string, Obj> } {
  const errors: FieldError[] = [];
  const byName = new Map<string, Obj>();
  objects(volumes).forEach((v, i) => {
    const vp = `${p}[${i}]`;
    const name = str(v.name);
    if (isSet(v.name) && name === '') errors.push(fieldErr.required(`${vp}.name`));
    else if (name) {
      errors.push(...checkDNSLabel(`${vp}.name`, name));
      if (byName.has(name)) errors.push(fieldErr.duplicate(`${vp}.name`, name));
      else byName.set(name, v);
    }
    const set = Object.keys(volumeSources).filter((k) => isSet(v[k]));
    if (set.length === 0) errors.push(fieldErr.required(vp, 'must specify a volume type'));
    for (const extra of set.slice(1)) errors.push(fieldErr.forbidden(`${vp}.${extra}`, 'may not specify more than 1 volume type'));
    for (const k of set) if (isObj(v[k])) errors.push(...validateSource(k, v[k] as Obj, `${vp}.${k}`, isPod));
  });
  return { errors, byName };
}
