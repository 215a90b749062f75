// A CRD schema after compilation: the structural part (type, properties, items, additionalProperties,
// the x-kubernetes extensions) with its value validations, regular expressions and CEL rules
// compiled once. crd/values.ts validates objects against it; crd/compile.ts builds it.

import type { RE2JS } from '@bufbuild/re2';
import type { CelProgram } from '../cel/index.js';

export type NodeType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/** A compiled x-kubernetes-validations entry. */
export interface CompiledRule {
  rule: string;
  program: CelProgram;
  message?: string;
  messageExpression?: CelProgram;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  /** Relative JSON path (".spec.x", "['a.b']") where the error is reported. */
  fieldPath?: string;
  /** A transition rule: evaluated only on update when an old value correlates. */
  usesOldSelf: boolean;
  optionalOldSelf: boolean;
}

export interface Node {
  type?: NodeType;
  nullable?: boolean;
  format?: string;
  enum?: unknown[];
  /** cost: the program's size; matching costs about cost x the value's length. */
  pattern?: { source: string; re: RE2JS; cost: number };
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, Node>;
  /** false: no other keys; a Node: the map's values. */
  additionalProperties?: Node | false;
  items?: Node;
  allOf?: Node[];
  anyOf?: Node[];
  oneOf?: Node[];
  not?: Node;
  intOrString?: boolean;
  preserveUnknownFields?: boolean;
  embeddedResource?: boolean;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
  rules?: CompiledRule[];
  /** A transition rule (oldSelf) here or below: such subtrees are validated even when unchanged. */
  transitions?: boolean;
}
