// Kubernetes' ValidatePersistentVolumeClaimUpdate (1.32, RecoverVolumeExpansionFailure on): a claim's
// spec is immutable but for spec.volumeName (set once, by the binder), resources.requests.storage of
// a Bound claim (expansion; the class's permission is the PersistentVolumeClaimResize admission
// plugin's business) and a storageClassName set where there was none; a request may never go
// down to status.capacity or below ("field can not be less than status.capacity"), and volumeMode
// never changes. Quantities compare by value: 1Gi and 1024Mi are the same request.

import { fieldErr } from '../../errors.js';
import type { FieldError, KObject } from '../../kind.js';
import { parseQuantity } from '../../quantity.js';

type Spec = Record<string, unknown> & { volumeName?: string; storageClassName?: string | null; volumeMode?: string; resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } };
type Claim = KObject & { spec?: Spec; status?: { phase?: string; capacity?: Record<string, unknown> } };

const BETA_CLASS = 'volume.beta.kubernetes.io/storage-class';
export const IMMUTABLE_SPEC = 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims';

const value = (q: unknown): number | undefined => {
  if (typeof q !== 'string' && typeof q !== 'number') return undefined;
  try {
    return parseQuantity(q);
  } catch {
    return undefined;
  }
};

/** Resource lists with quantities as numbers (Kubernetes' semantic equality). */
const byValue = (list: Record<string, unknown> | undefined) => (list && typeof list === 'object' ? Object.fromEntries(Object.entries(list).map(([k, q]) => [k, value(q) ?? q])) : list);

function comparable(spec: Spec | undefined): Record<string, unknown> {
  const s: Record<string, unknown> = { ...(spec ?? {}) };
  const r = spec?.resources;
  if (r && typeof r === 'object') s.resources = { ...r, requests: byValue(r.requests), limits: byValue(r.limits) };
  for (const k of Object.keys(s)) if (s[k] === undefined || s[k] === null) delete s[k];
  return s;
}

const goName = (k: string) => k.charAt(0).toUpperCase() + k.slice(1);

/** A cmp.Diff-like rendering of the fields that differ, as Kubernetes appends to its message. */
function specDiff(old: Record<string, unknown>, now: Record<string, unknown>): string {
  const lines = ['  core.PersistentVolumeClaimSpec{'];
  for (const k of [...new Set([...Object.keys(old), ...Object.keys(now)])].sort()) {
    const a = JSON.stringify(old[k]);
    const b = JSON.stringify(now[k]);
    if (a === b) continue;
    if (a !== undefined) lines.push(`- \t${goName(k)}: ${a},`);
    if (b !== undefined) lines.push(`+ \t${goName(k)}: ${b},`);
  }
  lines.push('  }');
  return lines.join('\n');
}

export function validatePersistentVolumeClaimUpdate(obj: KObject, oldObj: KObject): FieldError[] {
  const now = obj as Claim;
  const old = oldObj as Claim;
  const errs: FieldError[] = [];
  const oldSpec = comparable(old.spec);
  const newSpec = comparable(now.spec);
  // The binder sets volumeName once.
  if (!old.spec?.volumeName) {
    if (newSpec.volumeName === undefined) delete oldSpec.volumeName;
    else oldSpec.volumeName = newSpec.volumeName;
  }
  // A class may be set where there was none (retroactive default class).
  const hadClass = (old.spec?.storageClassName ?? undefined) !== undefined || old.metadata?.annotations?.[BETA_CLASS] !== undefined;
  if (!hadClass) delete newSpec.storageClassName;
  // A Bound claim may change its storage request (its status is the stored one on the main resource).
  if (now.status?.phase === 'Bound' && newSpec.resources && typeof newSpec.resources === 'object') {
    const r = newSpec.resources as { requests?: Record<string, unknown> };
    const oldRequests = (oldSpec.resources as { requests?: Record<string, unknown> } | undefined)?.requests ?? {};
    const requests = { ...(r.requests ?? {}) };
    if (oldRequests.storage === undefined) delete requests.storage;
    else requests.storage = oldRequests.storage;
    newSpec.resources = { ...r, requests };
  }
  if (JSON.stringify(sorted(oldSpec)) !== JSON.stringify(sorted(newSpec))) errs.push(fieldErr.forbidden('spec', `${IMMUTABLE_SPEC}\n${specDiff(oldSpec, newSpec)}`));
  const oldSize = value(old.spec?.resources?.requests?.storage) ?? 0;
  const newSize = value(now.spec?.resources?.requests?.storage) ?? 0;
  const statusSize = value(old.status?.capacity?.storage) ?? 0;
  // Lowering a request is allowed only to recover from a failed expansion: never to the size the volume has.
  if (newSize < oldSize && newSize <= statusSize) errs.push(fieldErr.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  if ((now.spec?.volumeMode ?? undefined) !== (old.spec?.volumeMode ?? undefined)) errs.push({ field: 'volumeMode', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(now.spec?.volumeMode ?? null)}: field is immutable` });
  return errs;
}

/** Keys sorted at every level, so two specs compare by content. */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
    );
  return v;
}
