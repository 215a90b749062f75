// Keys of ConfigMap and Secret data: file-name-like ([-._a-zA-Z0-9]+), unique across both maps,
// and a total size under 1 MiB, as Kubernetes requires.

import { fieldErr } from '../../../apiserver/errors.js';
import type { FieldError, KObject } from '../../kind.js';

const KEY = /^[-._a-zA-Z0-9]+$/;
const MAX_TOTAL = 1024 * 1024;

export function validateDataKeys(o: KObject, a: string, b: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  const seen = new Set<string>();
  for (const field of [a, b]) {
    for (const [k, v] of Object.entries((o[field] as Record<string, string>) ?? {})) {
      if (!KEY.test(k) || k.length > 253) errs.push(fieldErr.invalid(`${field}[${k}]`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
      if (seen.has(k)) errs.push(fieldErr.invalid(`${field}[${k}]`, k, `duplicate of key present in ${a}`));
      seen.add(k);
      total += typeof v === 'string' ? v.length : 0;
    }
  }
  if (total > MAX_TOTAL) errs.push(fieldErr.tooLong(a, MAX_TOTAL));
  return errs;
}
