// Objects are stored as JSON without their resourceVersion: the store's modRevision is the
// resourceVersion, set on the way out, so it can never disagree with the store.

import type { KObject, ObjectMeta } from '../../api/kind.js';
import type { KeyValue } from '../../store/types.js';

export function encode(obj: KObject): string {
  const meta = obj.metadata ?? {};
  if (meta.resourceVersion === undefined) return JSON.stringify(obj);
  const { resourceVersion: _rv, ...rest } = meta;
  return JSON.stringify({ ...obj, metadata: rest });
}

/** The metadata keys resourceVersion goes before (the first of them present), as Kubernetes lays
 *  out ObjectMeta; without any of them it goes last. */
export const RESOURCE_VERSION_BEFORE: ReadonlySet<string> = new Set(['generation', 'creationTimestamp', 'deletionTimestamp', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields']);

/** Decode a stored value; resourceVersion goes where Kubernetes puts it (after uid) for readable YAML. */
export function decode(kv: KeyValue, revision = kv.modRevision): KObject {
  const obj = JSON.parse(kv.value) as KObject;
  obj.metadata = withResourceVersion(obj.metadata ?? {}, String(revision));
  return obj;
}

export function withResourceVersion(meta: ObjectMeta, rv: string): ObjectMeta {
  const out: ObjectMeta = {};
  let placed = false;
  for (const [k, v] of Object.entries(meta)) {
    if (k === 'resourceVersion') continue;
    if (!placed && RESOURCE_VERSION_BEFORE.has(k)) {
      out.resourceVersion = rv;
      placed = true;
    }
    // A "__proto__" key (JSON.parse makes it an own property) stays one: assigning it would set
    // the prototype of the metadata instead.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  if (!placed) out.resourceVersion = rv;
  return out;
}
