// The schema language every served kind is declared in, once. Validation, defaulting, OpenAPI v2/v3,
// strategic merge patch, server-side apply and tables are all derived from these declarations,
// so what kubectl sees can never drift from what the server enforces.

export interface SchemaBase {
  description?: string;
  /** Value filled in by defaulting when the field is absent. */
  default?: unknown;
  /** Field may be null in JSON (treated as absent). */
  nullable?: boolean;
  /**
   * OpenAPI value validations published as written but enforced by the kind's own validate()
   * (CustomResourceDefinition schemas: allOf/anyOf/oneOf/not, non-string enums, uniqueItems,
   * x-kubernetes-validations CEL rules, x-kubernetes-embedded-resource).
   */
  valueValidations?: Record<string, unknown>;
}

/** String formats a CustomResourceDefinition may declare (kube-openapi's format registry). */
export type CrdStringFormat = 'date' | 'duration' | 'uuid' | 'uuid3' | 'uuid4' | 'uuid5' | 'email' | 'hostname' | 'ipv4' | 'ipv6' | 'cidr' | 'mac' | 'uri' | 'password' | 'bsonobjectid' | 'datetime';

export interface StringSchema extends SchemaBase {
  type: 'string';
  /** 'date-time' (RFC3339), 'byte' (base64), 'int-or-string', 'quantity' (resource.Quantity). */
  format?: 'date-time' | 'byte' | 'int-or-string' | 'quantity' | CrdStringFormat;
  enum?: string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
}
/** Bounds shared by integers and numbers (exclusive* as OpenAPI v3.0 booleans). */
interface NumericBounds {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
}
export interface IntegerSchema extends SchemaBase, NumericBounds {
  type: 'integer';
  format?: 'int32' | 'int64';
}
export interface NumberSchema extends SchemaBase, NumericBounds {
  type: 'number';
  format?: 'double' | 'float';
}
export interface BooleanSchema extends SchemaBase {
  type: 'boolean';
}
/** Accepts an integer or a string (IntOrString, e.g. ports and maxSurge). */
export interface IntOrStringSchema extends SchemaBase {
  type: 'int-or-string';
}
/** Any JSON value kept as is (RawExtension, x-kubernetes-preserve-unknown-fields). */
export interface AnySchema extends SchemaBase {
  type: 'any';
}

export interface ObjectSchema extends SchemaBase {
  type: 'object';
  /**
   * Definition name, e.g. 'io.k8s.api.core.v1.Container'. Named objects become OpenAPI definitions
   * referenced by $ref; anonymous ones are inlined.
   */
  name?: string;
  /** Field schemas; a function defers the lookup (recursive or later-declared types). */
  properties: Record<string, Schema | (() => Schema)>;
  required?: string[];
  /** server-side apply: 'atomic' objects are owned and replaced as a whole. */
  mapType?: 'atomic' | 'granular';
  /** Keys other than `properties` are allowed (x-kubernetes-preserve-unknown-fields). */
  preserveUnknownFields?: boolean;
  minProperties?: number;
  maxProperties?: number;
  /**
   * Values are checked by the kind's own validate() (CustomResourceDefinitions, with kube-openapi's
   * messages): validateAgainstSchema then only reports unknown fields.
   */
  valuesValidatedByKind?: boolean;
  /**
   * Required fields the kind's own validation checks, with Kubernetes' own messages (a pathType
   * "must be specified", a backend that "is required"): listed as required in OpenAPI and by
   * kubectl explain, but not reported a second time by the schema.
   */
  documentedRequired?: string[];
}

export interface MapSchema extends SchemaBase {
  type: 'map';
  /** additionalProperties */
  values: Schema | (() => Schema);
  minProperties?: number;
  maxProperties?: number;
  /** server-side apply: 'atomic' maps (x-kubernetes-map-type) are owned and replaced as a whole. */
  mapType?: 'atomic' | 'granular';
}

export interface ArraySchema extends SchemaBase {
  type: 'array';
  items: Schema | (() => Schema);
  /**
   * x-kubernetes-list-type: 'atomic' (replaced whole), 'set' (scalars, merged by value),
   * 'map' (objects merged by listMapKeys).
   */
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  minItems?: number;
  maxItems?: number;
  /**
   * 'allowed': entries with equal keys are not refused. Kubernetes' validation of some core lists
   * (env, ports, imagePullSecrets, hostAliases) never checked their keys' uniqueness; it warns instead.
   */
  duplicateKeys?: 'allowed';
  /** Strategic merge patch: x-kubernetes-patch-merge-key and -strategy. */
  patchMergeKey?: string;
  patchStrategy?: 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';
}

export type Schema = StringSchema | IntegerSchema | NumberSchema | BooleanSchema | IntOrStringSchema | AnySchema | ObjectSchema | MapSchema | ArraySchema;

/**
 * A field's schema, or undefined: own properties only, so keys such as "constructor" or
 * "hasOwnProperty" in a request are unknown fields, not Object.prototype's members.
 */
export function propertySchema(s: ObjectSchema, key: string): Schema | (() => Schema) | undefined {
  return Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
}

/** Resolve a possibly deferred schema. */
export function resolve(s: Schema | (() => Schema)): Schema {
  return typeof s === 'function' ? s() : s;
}

// ---- builders: keep declarations short and readable -------------------------------------------

type Opts<T> = Omit<T, 'type'>;

export const str = (description?: string, o: Opts<StringSchema> = {}): StringSchema => ({ type: 'string', description, ...o });
export const int32 = (description?: string, o: Opts<IntegerSchema> = {}): IntegerSchema => ({ type: 'integer', format: 'int32', description, ...o });
export const int64 = (description?: string, o: Opts<IntegerSchema> = {}): IntegerSchema => ({ type: 'integer', format: 'int64', description, ...o });
export const num = (description?: string, o: Opts<NumberSchema> = {}): NumberSchema => ({ type: 'number', format: 'double', description, ...o });
export const bool = (description?: string, o: Opts<BooleanSchema> = {}): BooleanSchema => ({ type: 'boolean', description, ...o });
export const intOrString = (description?: string, o: Opts<IntOrStringSchema> = {}): IntOrStringSchema => ({ type: 'int-or-string', description, ...o });
export const time = (description?: string): StringSchema => ({ type: 'string', format: 'date-time', description });
export const quantity = (description?: string): StringSchema => ({ type: 'string', format: 'quantity', description });
export const bytes = (description?: string): StringSchema => ({ type: 'string', format: 'byte', description });
export const any = (description?: string): AnySchema => ({ type: 'any', description });
export const enumOf = (values: string[], description?: string, o: Opts<StringSchema> = {}): StringSchema => ({ type: 'string', enum: values, description, ...o });

/** A string-to-T map (labels, annotations, data). */
export const mapOf = (values: Schema | (() => Schema), description?: string): MapSchema => ({ type: 'map', values, description });
export const stringMap = (description?: string): MapSchema => mapOf(str(), description);

/** An atomic list (replaced whole by patches). */
export const listOf = (items: Schema | (() => Schema), description?: string, o: Partial<Omit<ArraySchema, 'type' | 'items'>> = {}): ArraySchema => ({ type: 'array', items, description, listType: 'atomic', ...o });
/** A list of scalars merged as a set. */
export const setOf = (items: Schema | (() => Schema), description?: string): ArraySchema => ({ type: 'array', items, description, listType: 'set', patchStrategy: 'merge' });
/**
 * A list of objects merged by key (containers by name, ports by containerPort...).
 * `mergeKey` is the strategic-merge key; `mapKeys` the server-side-apply keys (default [mergeKey]).
 */
export const mapList = (items: Schema | (() => Schema), mergeKey: string, description?: string, mapKeys?: string[], o: Partial<Omit<ArraySchema, 'type' | 'items'>> = {}): ArraySchema => ({
  type: 'array',
  items,
  description,
  listType: 'map',
  listMapKeys: mapKeys ?? [mergeKey],
  patchMergeKey: mergeKey,
  patchStrategy: 'merge',
  ...o,
});

/** A named object type (an OpenAPI definition). */
export const struct = (name: string, description: string, properties: ObjectSchema['properties'], o: Opts<Omit<ObjectSchema, 'properties' | 'name'>> = {}): ObjectSchema => ({ type: 'object', name, description, properties, ...o });
/** An anonymous object type, inlined where used. */
export const object = (properties: ObjectSchema['properties'], description?: string, o: Opts<Omit<ObjectSchema, 'properties'>> = {}): ObjectSchema => ({ type: 'object', description, properties, ...o });

/** Copy a schema with another description (a field's own words over its type's). */
export function described<T extends Schema>(s: T, description: string): T {
  return { ...s, description };
}
