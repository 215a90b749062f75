// The size limit of an object: etcd's default request limit (1.5 MiB) on the object a client sends,
// checked before validation, field tracking or the store spend work on it. Request bodies may be
// larger (3 MiB, as in Kubernetes): a patch is not an object.
// An object in stored form also carries defaults and managedFields the client did not send; Kubernetes
// measures that as protobuf, about half its JSON, so in JSON it may take twice the limit (3 MiB, the
// body limit, Kubernetes' own allowance for JSON over protobuf). That bound is checked on the result
// of every patch (before validation) and on everything written.

import { tooLarge } from '../api/errors.js';

export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;
export const MAX_STORED_OBJECT_BYTES = 3 * 1024 * 1024;

/** Throws 413 RequestEntityTooLarge when the object, as JSON, is over the limit. */
export function checkObjectSize(obj: unknown, limit = MAX_OBJECT_BYTES): void {
  checkJsonSize(JSON.stringify(obj) ?? '', limit);
}

/** Throws 413 RequestEntityTooLarge when the JSON text is over the limit in bytes. */
export function checkJsonSize(json: string, limit: number): void {
  // JSON length in UTF-16 units is at most the byte length, so most objects skip the byte count.
  if (json.length > limit || (json.length * 3 > limit && Buffer.byteLength(json) > limit)) throw tooLarge(limit);
}

/**
 * Whether a store refused a write for its size: etcd answers "etcdserver: request is too large" past
 * its --max-request-bytes (1.5 MiB by default), and its gRPC layer RESOURCE_EXHAUSTED past that plus
 * 512 KiB. Our stored JSON is wordier than Kubernetes' protobuf, so a pod sent as 500 KB can reach it.
 */
export function isStoreSizeRefusal(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return /request is too large|RESOURCE_EXHAUSTED.*larger than max/i.test(msg);
}
