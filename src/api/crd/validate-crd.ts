// Kubernetes' validation of a CustomResourceDefinition (apiextensions validation), with its field
// paths and messages: the name is plural.group, names are DNS-1035 labels, exactly one storage
// version, scale paths under .spec/.status, printer columns and selectable fields, conversion, and
// each version's schema through compileCrdSchema (structural-schema errors come from there).

import { fieldErr } from '../errors.js';
import type { FieldError, KObject } from '../kind.js';
import { dns1123Subdomain } from '../names.js';
import { compileCrdSchema } from './compile.js';
import { parseJsonPath } from './jsonpath.js';
import type { Crd, CrdConversion, CrdNames, CrdPrinterColumn, CrdVersion } from './types.js';

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

function dns1035(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1035.test(v)) errs.push(DNS1035_MSG);
  return errs;
}

const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'date'];
const COLUMN_FORMATS = ['int32', 'int64', 'float', 'double', 'byte', 'date', 'date-time', 'password'];
const MAX_SELECTABLE_FIELDS = 8;
const APPROVAL = 'api-approved.kubernetes.io';

const isStr = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A list field as a list (the schema refused other shapes already; this keeps hostile input harmless). */
const arr = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : []);

/** spec.names (or status.acceptedNames) at `path`. */
export function validateNames(n: CrdNames | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names: CrdNames = isObj(n) ? n : {};
  const label = (v: unknown, p: string) => {
    if (typeof v !== 'string') {
      errs.push(fieldErr.invalid(p, v, 'must be a string'));
      return;
    }
    for (const e of dns1035(v)) errs.push(fieldErr.invalid(p, v, e));
  };
  if (!isStr(names.plural)) errs.push(fieldErr.required(`${path}.plural`));
  else label(names.plural, `${path}.plural`);
  if (isStr(names.singular)) label(names.singular, `${path}.singular`);
  if (!isStr(names.kind)) errs.push(fieldErr.required(`${path}.kind`));
  else if (dns1035(names.kind.toLowerCase()).length) errs.push(fieldErr.invalid(`${path}.kind`, names.kind, `may have mixed case, but should otherwise match: ${DNS1035_MSG}`));
  if (isStr(names.listKind)) {
    if (dns1035(names.listKind.toLowerCase()).length) errs.push(fieldErr.invalid(`${path}.listKind`, names.listKind, `may have mixed case, but should otherwise match: ${DNS1035_MSG}`));
    if (names.listKind === names.kind) errs.push(fieldErr.invalid(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same or parsing become ambiguous'));
  }
  const list = (v: unknown, p: string) => {
    if (v === undefined) return;
    if (!Array.isArray(v)) {
      errs.push(fieldErr.invalid(p, v, 'must be a list of strings'));
      return;
    }
    v.forEach((s, i) => {
      label(s, `${p}[${i}]`);
    });
  };
  list(names.shortNames, `${path}.shortNames`);
  list(names.categories, `${path}.categories`);
  return errs;
}

function validateVersion(v: CrdVersion, p: string, errs: FieldError[]) {
  if (!isStr(v.name)) errs.push(fieldErr.required(`${p}.name`));
  else for (const e of dns1035(v.name)) errs.push(fieldErr.invalid(`${p}.name`, v.name, e));
  const schema = isObj(v.schema) ? v.schema.openAPIV3Schema : undefined;
  if (schema === undefined) errs.push(fieldErr.required(`${p}.schema.openAPIV3Schema`, 'schemas are required'));
  else {
    const compiled = compileCrdSchema(schema, `${p}.schema.openAPIV3Schema`);
    if ('errors' in compiled) errs.push(...compiled.errors);
  }
  const scale = isObj(v.subresources) && isObj(v.subresources.scale) ? v.subresources.scale : undefined;
  if (scale) {
    const sp = `${p}.subresources.scale`;
    if (!isStr(scale.specReplicasPath)) errs.push(fieldErr.required(`${sp}.specReplicasPath`));
    else if (!scale.specReplicasPath.startsWith('.spec.') || typeof parseJsonPath(scale.specReplicasPath) === 'string') errs.push(fieldErr.invalid(`${sp}.specReplicasPath`, scale.specReplicasPath, 'should be a json path under .spec'));
    if (!isStr(scale.statusReplicasPath)) errs.push(fieldErr.required(`${sp}.statusReplicasPath`));
    else if (!scale.statusReplicasPath.startsWith('.status.') || typeof parseJsonPath(scale.statusReplicasPath) === 'string') errs.push(fieldErr.invalid(`${sp}.statusReplicasPath`, scale.statusReplicasPath, 'should be a json path under .status'));
    if (scale.labelSelectorPath !== undefined && (!isStr(scale.labelSelectorPath) || !/^\.(spec|status)\./.test(scale.labelSelectorPath))) errs.push(fieldErr.invalid(`${sp}.labelSelectorPath`, scale.labelSelectorPath, 'should be a json path under either .spec or .status'));
  }
  arr(v.additionalPrinterColumns).forEach((c0, i) => {
    const c: CrdPrinterColumn = isObj(c0) ? c0 : {};
    const cp = `${p}.additionalPrinterColumns[${i}]`;
    if (!isStr(c.name)) errs.push(fieldErr.required(`${cp}.name`));
    if (!isStr(c.type)) errs.push(fieldErr.required(`${cp}.type`));
    else if (!COLUMN_TYPES.includes(c.type)) errs.push(fieldErr.notSupported(`${cp}.type`, c.type, COLUMN_TYPES));
    if (c.format !== undefined && c.format !== '' && !COLUMN_FORMATS.includes(String(c.format))) errs.push(fieldErr.notSupported(`${cp}.format`, c.format, COLUMN_FORMATS));
    if (c.priority !== undefined && (!Number.isInteger(c.priority) || Number(c.priority) < 0)) errs.push(fieldErr.invalid(`${cp}.priority`, c.priority, 'negative priorities are not allowed'));
    if (!isStr(c.jsonPath)) errs.push(fieldErr.required(`${cp}.jsonPath`));
    else {
      const parsed = parseJsonPath(c.jsonPath);
      if (typeof parsed === 'string') errs.push(fieldErr.invalid(`${cp}.jsonPath`, c.jsonPath, `must be a simple json path: ${parsed}`));
    }
  });
  const fields = arr(v.selectableFields);
  if (fields.length > MAX_SELECTABLE_FIELDS) errs.push({ field: `${p}.selectableFields`, reason: 'FieldValueTooMany', message: `Too many: ${fields.length}: must have at most ${MAX_SELECTABLE_FIELDS} items` });
  const seen = new Set<string>();
  fields.forEach((f0, i) => {
    const f = isObj(f0) ? f0 : {};
    const fp = `${p}.selectableFields[${i}].jsonPath`;
    if (!isStr(f.jsonPath)) {
      errs.push(fieldErr.required(fp));
      return;
    }
    const parsed = parseJsonPath(f.jsonPath);
    if (typeof parsed === 'string' || parsed.some((s) => !('field' in s))) errs.push(fieldErr.invalid(fp, f.jsonPath, 'must be a simple json path to a field'));
    else if (f.jsonPath === '.metadata.name' || f.jsonPath === '.metadata.namespace') errs.push(fieldErr.invalid(fp, f.jsonPath, 'metadata.name and metadata.namespace are selectable on every resource'));
    if (seen.has(f.jsonPath)) errs.push(fieldErr.duplicate(fp, f.jsonPath));
    seen.add(f.jsonPath);
  });
}

/** Create (and, with old, update) validation of a CRD, after metadata validation. */
export function validateCrd(obj: KObject, old?: KObject): FieldError[] {
  const crd = obj as Crd;
  const errs: FieldError[] = [];
  const spec: NonNullable<Crd['spec']> = isObj(crd.spec) ? crd.spec : {};
  const group = spec.group;
  if (!isStr(group)) errs.push(fieldErr.required('spec.group'));
  else {
    for (const e of dns1123Subdomain(group)) errs.push(fieldErr.invalid('spec.group', group, e));
    if (!group.includes('.')) errs.push(fieldErr.invalid('spec.group', group, 'should be a domain with at least one dot'));
    const protectedGroup = /(^|\.)(k8s|kubernetes)\.io$/.test(group);
    if (protectedGroup && !crd.metadata?.annotations?.[APPROVAL]) errs.push(fieldErr.required(`metadata.annotations[${APPROVAL}]`, `protected groups must have approval annotation "${APPROVAL}", see https://github.com/kubernetes/enhancements/pull/1111`));
  }
  const name = crd.metadata?.name ?? '';
  if (name && isStr(group) && name !== `${isObj(spec.names) ? spec.names.plural : ''}.${group}`) errs.push(fieldErr.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  if (!isStr(spec.scope)) errs.push(fieldErr.required('spec.scope'));
  else if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') errs.push(fieldErr.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));
  errs.push(...validateNames(spec.names, 'spec.names'));
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) errs.push(fieldErr.required('spec.versions', 'must have exactly one version marked as storage version'));
  else {
    const storage = versions.filter((v) => v?.storage === true).length;
    if (storage !== 1)
      errs.push(
        fieldErr.invalid(
          'spec.versions',
          versions.map((v) => v?.name),
          'must have exactly one version marked as storage version',
        ),
      );
    if (!versions.some((v) => v?.served === true))
      errs.push(
        fieldErr.invalid(
          'spec.versions',
          versions.map((v) => v?.name),
          'must have at least one version marked as served',
        ),
      );
    const seen = new Set<string>();
    versions.forEach((v, i) => {
      const p = `spec.versions[${i}]`;
      if (typeof v !== 'object' || v === null) {
        errs.push(fieldErr.invalid(p, v, 'must be an object'));
        return;
      }
      if (isStr(v.name)) {
        if (seen.has(v.name)) errs.push(fieldErr.duplicate(`${p}.name`, v.name));
        seen.add(v.name);
      }
      validateVersion(v, p, errs);
    });
  }
  if (spec.preserveUnknownFields === true) errs.push(fieldErr.invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead'));
  const conv: CrdConversion | undefined = isObj(spec.conversion) ? spec.conversion : undefined;
  if (conv) {
    const strategy = conv.strategy ?? 'None';
    if (strategy !== 'None' && strategy !== 'Webhook') errs.push(fieldErr.notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
    if (strategy === 'None' && conv.webhook !== undefined) errs.push(fieldErr.forbidden('spec.conversion.webhook', 'should not be set when strategy is not set to Webhook'));
    if (strategy === 'Webhook') {
      if (!conv.webhook?.clientConfig) errs.push(fieldErr.required('spec.conversion.webhook.clientConfig', 'required when strategy is set to Webhook'));
      const crv = conv.webhook?.conversionReviewVersions;
      if (!Array.isArray(crv) || !crv.some((v) => v === 'v1' || v === 'v1beta1')) errs.push(fieldErr.invalid('spec.conversion.webhook.conversionReviewVersions', crv ?? [], 'must include at least one of v1, v1beta1'));
    }
  }
  // storedVersions: every entry must still be a version, and include the storage one (once set).
  const stored = isObj(crd.status) ? crd.status.storedVersions : undefined;
  if (Array.isArray(stored) && stored.length > 0) {
    stored.forEach((s, i) => {
      if (!versions.some((v) => v?.name === s)) errs.push(fieldErr.invalid(`status.storedVersions[${i}]`, s, 'must appear in spec.versions'));
    });
  }
  if (old) {
    const o = old as Crd;
    if (o.spec?.scope !== spec.scope && o.status?.acceptedNames?.kind) errs.push(fieldErr.invalid('spec.scope', spec.scope, 'field is immutable'));
  }
  return errs;
}
