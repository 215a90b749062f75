// Shared by the snapshot.storage.k8s.io kinds: Kubernetes serves them from the external-snapshotter
// project's CRDs, whose rules are CEL (x-kubernetes-validations). gifee compiles the kinds in and
// checks the same rules in code, reporting them as the CRD's CEL rules are reported: the field the
// rule sits on, FieldValueInvalid, the value shown as its type name ("object", "string").

import { fieldErr } from '../../errors.js';
import type { FieldError, KObject } from '../../kind.js';
import { isObj } from '../workloads/checks.js';

export const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io';
export const SNAPSHOT_API_VERSION = `${SNAPSHOT_GROUP}/v1`;
/** The OpenAPI definition name Kubernetes gives a CRD kind: the group reversed, e.g. io.k8s.storage.snapshot.v1.VolumeSnapshot. */
export const snapshotDefinition = (kind: string) => `io.k8s.storage.snapshot.v1.${kind}`;

export const DELETION_POLICIES = ['Delete', 'Retain'];

/** A failed CEL rule, worded as the API server words one. */
export const celError = (field: string, type: 'object' | 'string', message: string): FieldError => fieldErr.invalid(field, type, message);

/** The object at `key` of `o`, or undefined when absent or not an object. */
export const objAt = (o: unknown, key: string): Record<string, unknown> | undefined => {
  const v = isObj(o) ? o[key] : undefined;
  return isObj(v) ? v : undefined;
};

/** Whether CEL's has() holds: the key is present (null counts as absent, as the API server drops nulls). */
export const has = (o: Record<string, unknown> | undefined, key: string) => o !== undefined && o[key] !== undefined && o[key] !== null;

/** `self == oldSelf` on a field, evaluated (as CEL transition rules are) only when both have it. */
export function immutableField(field: string, now: Record<string, unknown> | undefined, was: Record<string, unknown> | undefined, key: string, message: string): FieldError[] {
  if (!has(now, key) || !has(was, key)) return [];
  return now![key] === was![key] ? [] : [celError(`${field}.${key}`, 'string', message)];
}

/** `!has(oldSelf.key) || has(self.key)`: a field may not be removed once set. */
export function requiredOnceSet(field: string, now: Record<string, unknown> | undefined, was: Record<string, unknown> | undefined, key: string): FieldError[] {
  if (now === undefined || was === undefined) return [];
  return has(was, key) && !has(now, key) ? [celError(field, 'object', `${key} is required once set`)] : [];
}

/** `(has(a) && !has(b)) || (!has(a) && has(b))`. */
export function exactlyOne(field: string, o: Record<string, unknown> | undefined, a: string, b: string, message: string): FieldError[] {
  if (o === undefined) return [];
  return has(o, a) !== has(o, b) ? [] : [celError(field, 'object', message)];
}

/** volumeSnapshotClassName: optional, but `size(self) > 0` when set. */
export function nonEmptyClassName(field: string, spec: Record<string, unknown> | undefined): FieldError[] {
  const v = spec?.volumeSnapshotClassName;
  return typeof v === 'string' && v.length === 0 ? [celError(field, 'string', 'volumeSnapshotClassName must not be the empty string when set')] : [];
}

export const specOf = (o: KObject) => objAt(o, 'spec');
