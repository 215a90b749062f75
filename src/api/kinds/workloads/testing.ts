// Test support: runs an object through what admission does to it (server metadata, schema defaults,
// the kind's hook, schema validation, the kind's validation), without an API server.

import { defaultObject } from '../../defaults.js';
import type { FieldError, KindDef, KObject } from '../../kind.js';
import { validateAgainstSchema } from '../../validate.js';

export interface Admitted {
  obj: KObject;
  errors: FieldError[];
  unknownFields: string[];
  /** What the API server would send as Warning headers. */
  warnings: string[];
}

/** Create (or, with `old`, update) `input` as admission would; `input` is not modified. */
export function admit(def: KindDef, input: KObject, old?: KObject): Admitted {
  const obj = structuredClone(input);
  const meta = (obj.metadata ??= {});
  meta.namespace ??= def.namespaced ? 'default' : undefined;
  meta.uid ??= old?.metadata?.uid ?? '11111111-2222-3333-4444-555555555555';
  meta.creationTimestamp ??= old?.metadata?.creationTimestamp ?? '2024-01-01T00:00:00Z';
  const { unknownFields } = validateAgainstSchema(def.schema, obj, { unknownFields: 'Strict' });
  const warnings: string[] = [];
  if (old) def.prepareUpdate?.(obj, old);
  defaultObject(def, obj);
  if (!old) {
    if (def.initialStatus) obj.status = def.initialStatus(obj);
    def.prepareCreate?.(obj, warnings);
  }
  const errors = [...validateAgainstSchema(def.schema, obj, { unknownFields: 'Ignore' }).errors, ...(def.validate?.(obj, old) ?? [])];
  if (errors.length === 0 && def.warnings) warnings.push(...def.warnings(obj, old));
  return { obj, errors, unknownFields, warnings };
}

/** The errors as "field: message" lines, for readable assertions. */
export const messages = (errs: FieldError[]) => errs.map((e) => `${e.field}: ${e.message}`);
