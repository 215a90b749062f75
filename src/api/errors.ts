// Every API error becomes a Kubernetes Status object with the right code and reason, so kubectl and
// client libraries print and branch on them exactly as they do against Kubernetes.

import type { FieldError } from './kind.js';

export type StatusReason = 'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone' | 'Invalid' | 'MethodNotAllowed' | 'NotAcceptable' | 'UnsupportedMediaType' | 'RequestEntityTooLarge' | 'TooManyRequests' | 'InternalError' | 'ServiceUnavailable' | 'Timeout' | 'Expired';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { field?: string; message: string; reason?: string }[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** An error the API server answers with as a Status. Throw it anywhere below a handler. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    /** The Status's ListMeta (a 410 for an expired continue token carries a fresh token in it). */
    readonly listMeta?: { continue?: string },
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Status {
    // Built in metav1.Status's field order (details before code), as kube-apiserver writes it.
    const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: { ...this.listMeta }, status: 'Failure', message: this.message, reason: this.reason } as Status;
    const details = this.details && statusDetails(this.details);
    if (details) s.details = details;
    s.code = this.code;
    return s;
  }
}

/**
 * StatusDetails as Go encodes them: fields in declaration order, empty strings and empty lists
 * left out (omitempty), so a core-group error has no `"group": ""`. Undefined when nothing is left.
 */
export function statusDetails(d: StatusDetails): StatusDetails | undefined {
  const out: StatusDetails = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) out.kind = d.kind;
  if (d.uid) out.uid = d.uid;
  if (d.causes?.length) out.causes = d.causes;
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds;
  return Object.keys(out).length ? out : undefined;
}

/** What a resource is called in messages: "pods", or "deployments.apps". */
export interface ResourceRef {
  group: string;
  resource: string;
  kind?: string;
}
const qualified = (r: ResourceRef) => (r.group ? `${r.resource}.${r.group}` : r.resource);

export const badRequest = (message: string, causes?: StatusDetails['causes']) => new ApiError(400, 'BadRequest', message, causes ? { causes } : undefined);

export const notFound = (r: ResourceRef, name: string) => new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group, kind: r.resource });

export const alreadyExists = (r: ResourceRef, name: string) => new ApiError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group, kind: r.resource });

export const conflict = (r: ResourceRef, name: string, why: string) => new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, { name, group: r.group, kind: r.resource });

export const gone = (message: string) => new ApiError(410, 'Expired', message);

/**
 * 504 for a resourceVersion the store has not reached even after waiting, as Kubernetes words it
 * (storage.NewTooLargeResourceVersionError): clients retry after a second.
 */
export const tooLargeResourceVersion = (requested: number, current: number) =>
  new ApiError(504, 'Timeout', `Timeout: Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });

export const methodNotAllowed = (message: string) => new ApiError(405, 'MethodNotAllowed', message);

export const forbidden = (r: ResourceRef, name: string, why: string) => new ApiError(403, 'Forbidden', `${qualified(r)} "${name}" is forbidden: ${why}`, { name, group: r.group, kind: r.resource });

/**
 * 403 for a create in a namespace being deleted. Kubernetes' NamespaceLifecycle admission adds a
 * NamespaceTerminating cause (field metadata.namespace) so clients can branch on it without reading
 * the message.
 */
export const NAMESPACE_TERMINATING_CAUSE = 'NamespaceTerminating';
export function namespaceTerminating(r: ResourceRef, name: string, namespace: string): ApiError {
  const e = forbidden(r, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
  e.details!.causes = [{ reason: NAMESPACE_TERMINATING_CAUSE, message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }];
  return e;
}

export const tooLarge = (limit: number) => new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);

export const unsupportedMediaType = (type: string) =>
  new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${type})`);

export const internalError = (err: unknown) => new ApiError(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);

export const unavailable = (message: string) => new ApiError(503, 'ServiceUnavailable', message);

/** 422 Invalid with one cause per field error, message formatted as Kubernetes does. */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): ApiError {
  const parts = errors.map((e) => `${e.field}: ${e.message}`);
  const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${summary}`, {
    name,
    group,
    kind,
    causes: errors.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
  });
}

/** Longest bad value an error repeats: a 2 MiB label value must not come back as a 4 MiB Status. */
export const MAX_SHOWN_VALUE = 256;

/** A bad value as errors show it: JSON, cut after MAX_SHOWN_VALUE characters with a note of how much was left out. */
export function shownValue(value: unknown): string {
  if (typeof value === 'string') {
    return value.length > MAX_SHOWN_VALUE ? `${JSON.stringify(value.slice(0, MAX_SHOWN_VALUE))}...(${value.length - MAX_SHOWN_VALUE} more characters)` : JSON.stringify(value);
  }
  const json = JSON.stringify(value) ?? 'null';
  return json.length > MAX_SHOWN_VALUE ? `${json.slice(0, MAX_SHOWN_VALUE)}...(${json.length - MAX_SHOWN_VALUE} more characters)` : json;
}

/** Field error helpers, worded like Kubernetes' field.ErrorList. */
export const fieldErr = {
  required: (field: string, detail = ''): FieldError => ({ field, reason: 'FieldValueRequired', message: `Required value${detail ? ': ' + detail : ''}` }),
  invalid: (field: string, value: unknown, detail: string): FieldError => ({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${shownValue(value)}: ${detail}` }),
  notSupported: (field: string, value: unknown, allowed: string[]): FieldError => ({
    field,
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${shownValue(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`,
  }),
  duplicate: (field: string, value: unknown): FieldError => ({ field, reason: 'FieldValueDuplicate', message: `Duplicate value: ${shownValue(value)}` }),
  forbidden: (field: string, detail: string): FieldError => ({ field, reason: 'FieldValueForbidden', message: `Forbidden: ${detail}` }),
  tooLong: (field: string, max: number): FieldError => ({ field, reason: 'FieldValueTooLong', message: `Too long: may not be more than ${max} bytes` }),
  typeInvalid: (field: string, value: unknown, detail: string): FieldError => ({ field, reason: 'FieldValueTypeInvalid', message: `Invalid value: ${shownValue(value)}: ${detail}` }),
};
