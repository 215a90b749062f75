// Metadata validation shared by every kind: names, namespaces, labels, annotations, finalizers and
// owner references on create; immutable fields on update. Field paths and wording follow Kubernetes.

import { fieldErr } from './errors.js';
import type { FieldError, KindDef, KObject } from './kind.js';
import { dns1123Label, dns1123Subdomain, labelValue, qualifiedName } from './names.js';

const MAX_ANNOTATIONS = 256 * 1024;

function nameErrors(def: KindDef, name: string): string[] {
  if (def.nameFormat === 'label') return dns1123Label(name);
  if (def.nameFormat === 'path') {
    if (name === '.' || name === '..') return [`may not be '${name}'`];
    if (/[/%]/.test(name)) return [`may not contain '/' or '%'`];
    return [];
  }
  return dns1123Subdomain(name);
}

export function validateObjectMeta(def: KindDef, obj: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const m = obj.metadata ?? {};
  if (!m.name) {
    if (!m.generateName) errs.push(fieldErr.required('metadata.name', 'name or generateName is required'));
  } else {
    for (const e of nameErrors(def, m.name)) errs.push(fieldErr.invalid('metadata.name', m.name, e));
  }
  if (def.namespaced) {
    if (!m.namespace) errs.push(fieldErr.required('metadata.namespace'));
    else for (const e of dns1123Label(m.namespace)) errs.push(fieldErr.invalid('metadata.namespace', m.namespace, e));
  }
  errs.push(...validateLabels(m.labels, 'metadata.labels'));
  if (m.annotations) {
    let size = 0;
    for (const [k, v] of Object.entries(m.annotations)) {
      for (const e of qualifiedName(k.toLowerCase())) errs.push(fieldErr.invalid('metadata.annotations', k, e));
      size += k.length + String(v).length;
    }
    if (size > MAX_ANNOTATIONS) errs.push(fieldErr.tooLong('metadata.annotations', MAX_ANNOTATIONS));
  }
  (m.finalizers ?? []).forEach((f, i) => {
    for (const e of qualifiedName(f)) errs.push(fieldErr.invalid(`metadata.finalizers[${i}]`, f, e));
  });
  (m.ownerReferences ?? []).forEach((o, i) => {
    const p = `metadata.ownerReferences[${i}]`;
    if (!o.apiVersion) errs.push(fieldErr.invalid(`${p}.apiVersion`, o.apiVersion ?? '', 'version must not be empty'));
    if (!o.kind) errs.push(fieldErr.invalid(`${p}.kind`, o.kind ?? '', 'kind must not be empty'));
    if (!o.name) errs.push(fieldErr.invalid(`${p}.name`, o.name ?? '', 'name must not be empty'));
    if (!o.uid) errs.push(fieldErr.invalid(`${p}.uid`, o.uid ?? '', 'uid must not be empty'));
  });
  if ((m.ownerReferences ?? []).filter((o) => o.controller).length > 1) {
    errs.push(fieldErr.invalid('metadata.ownerReferences', m.ownerReferences, 'Only one reference can have Controller set to true'));
  }
  return errs;
}

export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const e of qualifiedName(k)) errs.push(fieldErr.invalid(path, k, e));
    if (typeof v !== 'string') errs.push(fieldErr.typeInvalid(`${path}[${k}]`, v, 'must be a string'));
    else for (const e of labelValue(v)) errs.push(fieldErr.invalid(path, v, e));
  }
  return errs;
}

export function validateObjectMetaUpdate(def: KindDef, obj: KObject, old: KObject): FieldError[] {
  const errs = validateObjectMeta(def, obj);
  const m = obj.metadata ?? {};
  const o = old.metadata ?? {};
  if (m.name !== o.name) errs.push(fieldErr.invalid('metadata.name', m.name, 'field is immutable'));
  if (def.namespaced && m.namespace !== o.namespace) errs.push(fieldErr.invalid('metadata.namespace', m.namespace, 'field is immutable'));
  return errs;
}
