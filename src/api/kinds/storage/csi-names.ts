// The name of a CSI driver as Kubernetes' core validation checks it wherever one is named (a
// CSINode's drivers, a VolumeAttachment's attacher): required, at most 63 characters, a DNS
// subdomain once lower-cased.

import { fieldErr } from '../../errors.js';
import type { FieldError } from '../../kind.js';
import { dns1123Subdomain } from '../../names.js';

export function checkCSIDriverName(field: string, name: string): FieldError[] {
  const errs: FieldError[] = [];
  if (name.length === 0) errs.push(fieldErr.required(field));
  if (name.length > 63) errs.push(fieldErr.tooLong(field, 63));
  for (const msg of dns1123Subdomain(name.toLowerCase())) errs.push(fieldErr.invalid(field, name, msg));
  return errs;
}
