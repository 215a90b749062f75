// Patch semantics of the API server: JSON patch, JSON merge patch, strategic merge patch, and
// field ownership for server-side apply and ordinary updates.

import type { KObject } from '../../api/kind.js';
import type { ObjectSchema } from '../../api/schema.js';
import { badRequest } from '../../api/errors.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic-merge.js';

export { applyJsonPatch } from './json-patch.js';
export { applyMergePatch } from './merge-patch.js';
export { applyStrategicMergePatch } from './strategic-merge.js';
export { serverSideApply, recordUpdate, recordUpdateSliced } from './managed-fields.js';

export function applyPatch(doc: KObject, patchType: 'json' | 'merge' | 'strategic', patch: unknown, schema: ObjectSchema): KObject {
  let out: unknown;
  if (patchType === 'json') out = applyJsonPatch(doc, patch);
  else if (patchType === 'merge') {
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) throw badRequest('a merge patch must be a JSON object');
    out = applyMergePatch(doc, patch);
  } else out = applyStrategicMergePatch(doc, patch, schema);
  if (out === null || typeof out !== 'object' || Array.isArray(out)) throw badRequest('the patch must leave an object');
  return out as KObject;
}
