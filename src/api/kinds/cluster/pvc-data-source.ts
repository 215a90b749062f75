// A claim's data source (dataSource, dataSourceRef), as Kubernetes validates and normalizes it:
// both name a kind and a name; the core group means a PersistentVolumeClaim (a clone), any other
// group is named (snapshot.storage.k8s.io VolumeSnapshot restores a snapshot, other kinds are
// volume populators); when both are given they must agree, and on create the one given is copied
// into the other (AnyVolumeDataSource, on by default), so provisioners read either.

import { fieldErr } from '../../errors.js';
import type { FieldError, KObject } from '../../kind.js';
import { dns1123Label, dns1123Subdomain } from '../../names.js';
import { isObj } from '../workloads/checks.js';

type Ref = { apiGroup?: string | null; kind?: string; name?: string; namespace?: string | null };
type Spec = { dataSource?: Ref | null; dataSourceRef?: Ref | null };

function checkRef(ref: Ref, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!ref.name) errs.push(fieldErr.required(`${path}.name`));
  if (!ref.kind) errs.push(fieldErr.required(`${path}.kind`));
  const group = ref.apiGroup ?? '';
  if (group === '' && ref.kind !== 'PersistentVolumeClaim') errs.push(fieldErr.invalid(path, ref.kind ?? '', "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  if (group !== '') for (const m of dns1123Subdomain(group)) errs.push(fieldErr.invalid(`${path}.apiGroup`, group, m));
  return errs;
}

const same = (a: Ref, b: Ref) => (a.apiGroup ?? '') === (b.apiGroup ?? '') && a.kind === b.kind && a.name === b.name;

export function validateDataSources(spec: unknown, path = 'spec'): FieldError[] {
  if (!isObj(spec)) return [];
  const s = spec as Spec;
  const errs: FieldError[] = [];
  const ds = isObj(s.dataSource) ? s.dataSource : undefined;
  const ref = isObj(s.dataSourceRef) ? s.dataSourceRef : undefined;
  if (ds) errs.push(...checkRef(ds, `${path}.dataSource`));
  if (ref) {
    errs.push(...checkRef(ref, `${path}.dataSourceRef`));
    if (ref.namespace) for (const m of dns1123Label(ref.namespace)) errs.push(fieldErr.invalid(`${path}.dataSourceRef.namespace`, ref.namespace, m));
  }
  // Kubernetes shows the field path itself as the value here.
  if (ds && ref?.namespace) errs.push({ field: path, reason: 'FieldValueInvalid', message: `Invalid value: ${path}.dataSource: may not be specified when dataSourceRef.namespace is specified` });
  else if (ds && ref && !same(ds, ref)) errs.push({ field: path, reason: 'FieldValueInvalid', message: `Invalid value: ${path}.dataSource: must match dataSourceRef` });
  return errs;
}

/** On create: the data source given one way is copied into the other (Kubernetes' NormalizeDataSources). */
export function normalizeDataSources(o: KObject) {
  const s = o.spec;
  if (!isObj(s)) return;
  const spec = s as Spec;
  const ds = isObj(spec.dataSource) ? spec.dataSource : undefined;
  const ref = isObj(spec.dataSourceRef) ? spec.dataSourceRef : undefined;
  const copy = (r: Ref): Ref => ({ ...(r.apiGroup ? { apiGroup: r.apiGroup } : {}), kind: r.kind, name: r.name });
  if (ds && !ref) spec.dataSourceRef = copy(ds);
  else if (ref && !ds && !ref.namespace) spec.dataSource = copy(ref);
}
