// Keys of ConfigMap and Secret data: file-name-like ([-._a-zA-Z0-9]+), unique across both maps,
// and a total size under 1 MiB, as Kubernetes requires.

import { fieldErr } from '../../errors.js';
import type { FieldError, KObject } from '../../kind.js';

const KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_TOTAL = 1024 * 1024;

/** Kubernetes' IsConfigMapKey: keys become file names in volumes, so '.', '..' and '..x' are refused
 *  (the kubelet's atomic writer keeps its own '..data' and '..<timestamp>' entries beside them). */
export function configMapKeyErrors(k: string): string[] {
  const errs: string[] = [];
  if (k.length > 253) errs.push('must be no more than 253 characters');
  if (!KEY.test(k)) errs.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  if (k === '.') errs.push("must not be '.'");
  else if (k === '..') errs.push("must not be '..'");
  else if (k.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

export function validateDataKeys(o: KObject, a: string, b: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  const seen = new Set<string>();
  for (const field of [a, b]) {
    for (const [k, v] of Object.entries((o[field] as Record<string, string>) ?? {})) {
      for (const msg of configMapKeyErrors(k)) errs.push(fieldErr.invalid(`${field}[${k}]`, k, msg));
      if (seen.has(k)) errs.push(fieldErr.invalid(`${field}[${k}]`, k, `duplicate of key present in ${a}`));
      seen.add(k);
      total += typeof v === 'string' ? v.length : 0;
    }
  }
  if (total > MAX_TOTAL) errs.push(fieldErr.tooLong(a, MAX_TOTAL));
  return errs;
}
