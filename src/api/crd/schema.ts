// The bridge between a CustomResourceDefinition version's openAPIV3Schema and the schema language
// every served kind uses (src/api/schema.ts): a CRD version becomes a KindDef whose schema and
// validate() come from here, so validation, pruning, defaulting, OpenAPI, explain, tables and
// server-side apply treat custom kinds exactly as built-in ones.

import type { FieldError, KObject } from '../kind.js';
import type { ObjectSchema } from '../schema.js';

export interface CompiledCrdSchema {
  /** The whole object's schema (apiVersion, kind, metadata added as Kubernetes does), with `name` unset. */
  schema: ObjectSchema;
  /**
   * What ObjectSchema cannot express: oneOf/anyOf/allOf/not, minItems/maxItems/uniqueItems,
   * minProperties, multipleOf, exclusive bounds, x-kubernetes-validations (CEL, with oldSelf on
   * update). Field paths as Kubernetes reports them.
   */
  validate(obj: KObject, old?: KObject): FieldError[];
}

/**
 * Compiles an openAPIV3Schema (untrusted JSON from a CRD). Returns Kubernetes' structural-schema
 * and validation errors under `fieldPath` (e.g. 'spec.versions[0].schema.openAPIV3Schema') when
 * it is not acceptable. Bounded work for hostile input (depth, size, regex and CEL cost).
 */
export type CompileCrdSchema = (openAPIV3Schema: unknown, fieldPath: string) => { errors: FieldError[] } | CompiledCrdSchema;
