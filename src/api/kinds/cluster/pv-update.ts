// Kubernetes' ValidatePersistentVolumeUpdate: a volume's source (hostPath, nfs, csi...) and volumeMode
// never change after creation, and its node affinity may be set where there was none but not
// changed once set: whoever bound a claim or placed a pod by them must be able to rely on them.

import { fieldErr } from '../../errors.js';
import type { FieldError, KObject } from '../../kind.js';

const sorted = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
    );
  return v;
};
const same = (a: unknown, b: unknown) => JSON.stringify(sorted(a ?? null)) === JSON.stringify(sorted(b ?? null));

export function validatePersistentVolumeUpdate(obj: KObject, old: KObject, sources: string[]): FieldError[] {
  const now = (obj.spec ?? {}) as Record<string, unknown>;
  const was = (old.spec ?? {}) as Record<string, unknown>;
  const errs: FieldError[] = [];
  const changed = sources.filter((k) => !same(now[k], was[k]));
  if (changed.length > 0) {
    const diff = changed.flatMap((k) => [...(was[k] !== undefined ? [`- \t${k}: ${JSON.stringify(was[k])},`] : []), ...(now[k] !== undefined ? [`+ \t${k}: ${JSON.stringify(now[k])},`] : [])]);
    errs.push(fieldErr.forbidden('spec.persistentvolumesource', `spec.persistentvolumesource is immutable after creation\n  core.PersistentVolumeSource{\n${diff.join('\n')}\n  }`));
  }
  if ((now.volumeMode ?? undefined) !== (was.volumeMode ?? undefined)) errs.push({ field: 'volumeMode', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(now.volumeMode ?? null)}: field is immutable` });
  if (was.nodeAffinity !== undefined && was.nodeAffinity !== null && !same(now.nodeAffinity, was.nodeAffinity)) errs.push({ field: 'nodeAffinity', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(now.nodeAffinity ?? null)}: field is immutable` });
  return errs;
}
