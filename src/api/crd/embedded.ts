// x-kubernetes-embedded-resource values (a Pod template inside a custom object): apiVersion and
// kind required and well-formed, metadata validated as ObjectMeta, as Kubernetes' custom resource
// validator does.

import { fieldErr } from '../errors.js';
import type { FieldError, KindDef, KObject } from '../kind.js';
import { validateObjectMeta } from '../validate-meta.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
// Names inside embedded objects are path segments (Kubernetes' ValidatePathSegmentName).
const EMBEDDED: KindDef = { group: '', version: '', kind: '', plural: '', singular: '', namespaced: false, schema: { type: 'object', properties: {} }, nameFormat: 'path' };

/** ObjectMeta fields' JSON types, checked before the metadata rules read them. */
function metaTypeErrors(m: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const bad = (k: string, want: string) => errs.push(fieldErr.typeInvalid(`${path}.${k}`, m[k], `must be ${want}`));
  for (const k of ['name', 'generateName', 'namespace']) if (m[k] !== undefined && typeof m[k] !== 'string') bad(k, 'a string');
  for (const k of ['labels', 'annotations']) if (m[k] !== undefined && !(isObj(m[k]) && Object.values(m[k]).every((v) => typeof v === 'string'))) bad(k, 'a map of strings');
  if (m.finalizers !== undefined && !(Array.isArray(m.finalizers) && m.finalizers.every((f) => typeof f === 'string'))) bad('finalizers', 'a list of strings');
  if (m.ownerReferences !== undefined && !(Array.isArray(m.ownerReferences) && m.ownerReferences.every(isObj))) bad('ownerReferences', 'a list of objects');
  return errs;
}

export function validateEmbeddedResource(v: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const at = (k: string) => (path ? `${path}.${k}` : k);
  if (!('apiVersion' in v)) errs.push(fieldErr.required(at('apiVersion')));
  if (!('kind' in v)) errs.push(fieldErr.required(at('kind')));
  const { apiVersion, kind, metadata } = v;
  if ('apiVersion' in v) {
    if (typeof apiVersion !== 'string') errs.push(fieldErr.invalid(at('apiVersion'), apiVersion, 'must be a string'));
    else if (!apiVersion) errs.push(fieldErr.invalid(at('apiVersion'), apiVersion, 'must not be empty'));
    else if (apiVersion.split('/').length > 2) errs.push(fieldErr.invalid(at('apiVersion'), apiVersion, `unexpected GroupVersion string: ${apiVersion}`));
  }
  if ('kind' in v) {
    if (typeof kind !== 'string') errs.push(fieldErr.invalid(at('kind'), kind, 'must be a string'));
    else if (!kind) errs.push(fieldErr.invalid(at('kind'), kind, 'must not be empty'));
    else if (kind.length > 63 || !DNS1035.test(kind.toLowerCase())) {
      errs.push(
        fieldErr.invalid(
          at('kind'),
          kind,
          "may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
        ),
      );
    }
  }
  if (metadata !== undefined) {
    if (!isObj(metadata)) errs.push(fieldErr.invalid(at('metadata'), metadata, 'must be an object'));
    else {
      const typeErrs = metaTypeErrors(metadata, at('metadata'));
      if (typeErrs.length) return [...errs, ...typeErrs];
      const meta = { ...metadata, name: metadata.name || 'fakename' } as KObject['metadata'];
      const metaErrs = validateObjectMeta({ ...EMBEDDED, namespaced: Boolean(metadata.namespace) }, { metadata: meta } as KObject);
      for (const e of metaErrs) errs.push({ ...e, field: path ? `${path}.${e.field}` : e.field });
    }
  }
  return errs;
}
