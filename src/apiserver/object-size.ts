// The size limit of a stored object: etcd's default request limit (1.5 MiB), enforced on every
// backend and checked early (on the decoded body, and again on the result of a patch) so an
// oversize object is refused before validation, field tracking or the store spend work on it.
// Request bodies may be larger (3 MiB, as in Kubernetes): JSON is wordier than what is stored.

import { tooLarge } from './errors.js';

export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/** Throws 413 RequestEntityTooLarge when the object, as JSON, is over the limit. */
export function checkObjectSize(obj: unknown, limit = MAX_OBJECT_BYTES): void {
  // JSON length in UTF-16 units is at most the byte length, so most objects skip the byte count.
  const json = JSON.stringify(obj) ?? '';
  if (json.length > limit || (json.length * 3 > limit && Buffer.byteLength(json) > limit)) throw tooLarge(limit);
}
