import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FieldError } from '../kind.js';
import { compileCrdSchema } from './compile.js';
import { MAX_BRANCH_CAUSES } from './values.js';
import type { CompiledCrdSchema } from './schema.js';

const P = 'spec.versions[0].schema.openAPIV3Schema';
const root = (spec: unknown, extra: Record<string, unknown> = {}) => ({ type: 'object', properties: { spec, ...extra } });
const errorsOf = (schema: unknown): string[] => {
  const r = compileCrdSchema(schema, P);
  return 'errors' in r ? r.errors.map((e) => `${e.field}: ${e.message}`) : [];
};
const compiled = (schema: unknown): CompiledCrdSchema => {
  const r = compileCrdSchema(schema, P);
  if ('errors' in r) assert.fail(`unexpected errors: ${r.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
  return r;
};

// Each case: a schema and the error lines Kubernetes reports for it (one at least, all listed).
const structuralCases: [string, unknown, string[]][] = [
  ['field without type', root({ type: 'object', properties: { a: {} } }), [`${P}.properties[spec].properties[a].type: Required value: must not be empty for specified object fields`]],
  ['item without type', root({ type: 'array', items: {} }), [`${P}.properties[spec].items.type: Required value: must not be empty for specified array items`]],
  ['root without type', { properties: {} }, [`${P}.type: Required value: must not be empty at the root`]],
  ['root not an object', { type: 'string' }, [`${P}.type: Invalid value: "string": must be object at the root`]],
  ['array without items', root({ type: 'array' }), [`${P}.properties[spec].items: Required value: must be specified`]],
  ['unknown type', root({ type: 'float' }), [`${P}.properties[spec].type: Unsupported value: "float": supported values: "array", "boolean", "integer", "number", "object", "string"`]],
  ['properties with additionalProperties', root({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } }), [`${P}.properties[spec].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`]],
  ['additionalProperties at the root', { type: 'object', additionalProperties: { type: 'string' } }, [`${P}.additionalProperties: Forbidden: must not be used at the root`]],
  ['metadata restricting more than name', { type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } }, [`${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`]],
  ['type in anyOf', root({ type: 'string', anyOf: [{ type: 'string' }] }), [`${P}.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural`]],
  ['description in oneOf', root({ type: 'string', oneOf: [{ description: 'x', pattern: 'a' }] }), [`${P}.properties[spec].oneOf[0].description: Forbidden: must be empty to be structural`]],
  ['default in not', root({ type: 'string', not: { default: 'a' } }), [`${P}.properties[spec].not.default: Forbidden: must be undefined to be structural`]],
  ['junctor naming an unknown field', root({ type: 'object', properties: { a: { type: 'string' } }, anyOf: [{ required: ['a'] }, { properties: { b: { minLength: 1 } } }] }), [`${P}.properties[spec].properties[b]: Required value: because it is defined in ${P}.properties[spec].anyOf[1].properties[b]`]],
  ['metadata in a junctor', root({ type: 'object', properties: { metadata: { type: 'object' } }, allOf: [{ properties: { metadata: {} } }] }), [`${P}.properties[spec].allOf[0].properties[metadata]: Forbidden: must not be specified in a nested context`]],
  ['preserve-unknown-fields false', root({ type: 'object', 'x-kubernetes-preserve-unknown-fields': false }), [`${P}.properties[spec].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`]],
  ['int-or-string and preserve', root({ 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true }), [`${P}.properties[spec].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`]],
  ['embedded resource not an object', root({ type: 'string', 'x-kubernetes-embedded-resource': true }), [`${P}.properties[spec].type: Invalid value: "string": must be object if x-kubernetes-embedded-resource is true`]],
  ['embedded resource without properties', root({ type: 'object', 'x-kubernetes-embedded-resource': true }), [`${P}.properties[spec].properties: Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields`]],
  ['unknown list type', root({ type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'bag' }), [`${P}.properties[spec].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map"`]],
  ['map list without keys', root({ type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } }, 'x-kubernetes-list-type': 'map' }), [`${P}.properties[spec].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`]],
  ['map keys on a set', root({ type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', 'x-kubernetes-list-map-keys': ['a'] }), [`${P}.properties[spec].x-kubernetes-list-type: Invalid value: "set": must be map if x-kubernetes-list-map-keys is non-empty`]],
  [
    'map key not a property',
    root({ type: 'array', items: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['b'] }),
    [`${P}.properties[spec].x-kubernetes-list-map-keys: Invalid value: ["b"]: entries must all be names of item properties`],
  ],
  [
    'map key neither required nor defaulted',
    root({ type: 'array', items: { type: 'object', properties: { a: { type: 'string' } } }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['a'] }),
    [`${P}.properties[spec].items.properties[a].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`],
  ],
  [
    'map key not scalar',
    root({ type: 'array', items: { type: 'object', properties: { a: { type: 'object' } }, required: ['a'] }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['a'] }),
    [`${P}.properties[spec].items.properties[a].type: Invalid value: "object": must be a scalar type if parent array's x-kubernetes-list-type is map`],
  ],
  ['map items not objects', root({ type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['a'] }), [`${P}.properties[spec].items.type: Invalid value: "string": must be object if parent array's x-kubernetes-list-type is map`]],
  ['map type on a string', root({ type: 'string', 'x-kubernetes-map-type': 'atomic' }), [`${P}.properties[spec].type: Invalid value: "string": must be object if x-kubernetes-map-type is specified`]],
  ['unknown map type', root({ type: 'object', 'x-kubernetes-map-type': 'deep' }), [`${P}.properties[spec].x-kubernetes-map-type: Unsupported value: "deep": supported values: "atomic", "granular"`]],
  ['set of granular objects', root({ type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'object', properties: { a: { type: 'string' } } } }), [`${P}.properties[spec].items.x-kubernetes-map-type: Invalid value: null: must be atomic as item of a list with x-kubernetes-list-type=set`]],
  ['nullable set items', root({ type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string', nullable: true } }), [`${P}.properties[spec].items.nullable: Forbidden: cannot be nullable when x-kubernetes-list-type is set`]],
  ['kind not a string at the root', { type: 'object', properties: { kind: { type: 'integer' } } }, [`${P}.properties[kind].type: Invalid value: "integer": must be string`]],
  ['list type on an object', root({ type: 'object', 'x-kubernetes-list-type': 'set' }), [`${P}.properties[spec].type: Invalid value: "object": must be array if x-kubernetes-list-type is specified`]],
  ['uniqueItems', root({ type: 'array', items: { type: 'string' }, uniqueItems: true }), [`${P}.properties[spec].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`]],
  ['$ref', root({ $ref: '#/definitions/x' }), [`${P}.properties[spec].$ref: Forbidden: $ref is not supported`, `${P}.properties[spec].type: Required value: must not be empty for specified object fields`]],
  ['type null', root({ type: 'null' }), [`${P}.properties[spec].type: Forbidden: type cannot be set to null, use nullable as an alternative`, `${P}.properties[spec].type: Required value: must not be empty for specified object fields`]],
  ['bad pattern', root({ type: 'string', pattern: '(a' }), [`${P}.properties[spec].pattern: Invalid value: "(a": must be a valid regular expression, but isn't: `]],
  ['default with unknown fields', root({ type: 'object', properties: { a: { type: 'string' } }, default: { a: 'x', b: 1 } }), [`${P}.properties[spec].default: Invalid value: {"a":"x","b":1}: must not have unknown fields`]],
  ['default failing its schema', root({ type: 'integer', maximum: 3, default: 5 }), [`${P}.properties[spec].default: Invalid value: 5: ${P}.properties[spec].default in body should be less than or equal to 3`]],
  ['default in top-level metadata', { type: 'object', properties: { metadata: { type: 'object', default: {} } } }, [`${P}.properties[metadata].default: Forbidden: must not be set in top-level metadata`]],
  ['empty rule', root({ type: 'object', 'x-kubernetes-validations': [{ rule: ' ' }] }), [`${P}.properties[spec].x-kubernetes-validations[0].rule: Required value: rule is not specified`]],
  ['unknown reason', root({ type: 'object', 'x-kubernetes-validations': [{ rule: 'true', reason: 'Nope' }] }), [`${P}.properties[spec].x-kubernetes-validations[0].reason: Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`]],
  [
    'oldSelf in an atomic list item',
    root({ type: 'array', items: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf' }] } }),
    [`${P}.properties[spec].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within ${P}.properties[spec]`],
  ],
  ['optionalOldSelf without oldSelf', root({ type: 'object', 'x-kubernetes-validations': [{ rule: 'true', optionalOldSelf: true }] }), [`${P}.properties[spec].x-kubernetes-validations[0].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule`]],
];

for (const [name, schema, want] of structuralCases) {
  test(`structural: ${name}`, () => {
    const got = errorsOf(schema);
    for (const w of want)
      assert.ok(
        got.some((g) => g.startsWith(w)),
        `missing ${JSON.stringify(w)} in ${JSON.stringify(got, null, 1)}`,
      );
    assert.ok(got.length >= want.length);
  });
}

test('structural: a CEL rule that does not compile is reported at CRD create', () => {
  const got = errorsOf(root({ type: 'object', 'x-kubernetes-validations': [{ rule: 'self.a ==' }] }));
  assert.equal(got.length, 1);
  assert.match(got[0], /x-kubernetes-validations\[0\]\.rule: Invalid value: .*compilation failed/);
});

test('structural: accepted shapes (int-or-string anyOf, embedded, preserve, map lists, metadata name)', () => {
  compiled({
    type: 'object',
    properties: {
      metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } },
      spec: {
        type: 'object',
        properties: {
          port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
          template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
          config: { 'x-kubernetes-preserve-unknown-fields': true },
          ports: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name', 'protocol'],
            items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, protocol: { type: 'string', default: 'TCP' }, port: { type: 'integer' } } },
          },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          mode: { type: 'string', enum: ['a', 'b'], default: 'a' },
        },
        oneOf: [{ required: ['port'] }, { required: ['ports'] }],
      },
    },
  });
});

// ---- value validation ------------------------------------------------------------------------

const crd = compiled({
  type: 'object',
  required: ['spec'],
  properties: {
    metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } },
    spec: {
      type: 'object',
      required: ['replicas'],
      properties: {
        replicas: { type: 'integer', minimum: 1, maximum: 10 },
        ratio: { type: 'number', exclusiveMinimum: true, minimum: 0, multipleOf: 0.5 },
        name: { type: 'string', minLength: 2, maxLength: 5, pattern: '^[a-z]+$' },
        mode: { type: 'string', enum: ['Fast', 'Slow'] },
        level: { type: 'integer', enum: [1, 2] },
        uid: { type: 'string', format: 'uuid' },
        when: { type: 'string', format: 'date-time' },
        ip: { type: 'string', format: 'ipv4' },
        cidr: { type: 'string', format: 'cidr' },
        timeout: { type: 'string', format: 'duration' },
        host: { type: 'string', format: 'hostname' },
        items: { type: 'array', minItems: 1, maxItems: 2, items: { type: 'string' } },
        tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer', format: 'int32' } } },
        },
        labels: { type: 'object', maxProperties: 1, additionalProperties: { type: 'string' } },
        port: { 'x-kubernetes-int-or-string': true },
        note: { type: 'string', nullable: true },
        choice: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, oneOf: [{ required: ['a'] }, { required: ['b'] }] },
        notEmpty: { type: 'string', not: { enum: [''] } },
        endpoint: {
          type: 'object',
          properties: { url: { type: 'string' }, port: { type: 'integer' } },
          anyOf: [
            { required: ['url'], properties: { url: { pattern: '^https://' } } },
            { required: ['port'], properties: { port: { minimum: 1 } } },
          ],
        },
        both: { type: 'string', allOf: [{ minLength: 2 }, { pattern: '^a' }] },
        pod: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        immutable: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'is immutable' }] },
        range: {
          type: 'object',
          properties: { min: { type: 'integer' }, max: { type: 'integer' } },
          'x-kubernetes-validations': [
            { rule: 'self.min <= self.max', messageExpression: "'min ' + string(self.min) + ' exceeds max'", fieldPath: '.min' },
            { rule: 'self.max < 100', reason: 'FieldValueForbidden', message: 'max too big' },
          ],
        },
      },
    },
  },
});

const obj = (spec: Record<string, unknown>, name = 'ok') => ({ apiVersion: 'x.io/v1', kind: 'X', metadata: { name }, spec: { replicas: 1, ...spec } });
const lines = (errs: FieldError[]) => errs.map((e) => `${e.field}: ${e.message}`);

const valueCases: [string, Record<string, unknown>, string[]][] = [
  ['maximum', { replicas: 11 }, ['spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10']],
  ['minimum', { replicas: 0 }, ['spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1']],
  ['type', { replicas: 'two' }, ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']],
  ['exclusive minimum', { ratio: 0 }, ['spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0']],
  ['multipleOf', { ratio: 0.7 }, ['spec.ratio: Invalid value: 0.7: spec.ratio in body should be a multiple of 0.5']],
  ['maxLength', { name: 'abcdef' }, ['spec.name: Too long: may not be more than 5 bytes']],
  ['minLength', { name: 'a' }, ['spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long']],
  ['pattern', { name: 'AB' }, ['spec.name: Invalid value: "AB": spec.name in body should match \'^[a-z]+$\'']],
  ['enum', { mode: 'Medium' }, ['spec.mode: Unsupported value: "Medium": supported values: "Fast", "Slow"']],
  ['integer enum', { level: 3 }, ['spec.level: Unsupported value: 3: supported values: "1", "2"']],
  ['uuid', { uid: 'nope' }, ['spec.uid: Invalid value: "nope": spec.uid in body must be of type uuid: "nope"']],
  ['date-time', { when: '2020-13-45' }, ['spec.when: Invalid value: "2020-13-45": spec.when in body must be of type date-time: "2020-13-45"']],
  ['ipv4', { ip: '1.2.3' }, ['spec.ip: Invalid value: "1.2.3": spec.ip in body must be of type ipv4: "1.2.3"']],
  ['cidr', { cidr: '10.0.0.0/33' }, ['spec.cidr: Invalid value: "10.0.0.0/33": spec.cidr in body must be of type cidr: "10.0.0.0/33"']],
  ['duration', { timeout: '5 fortnights' }, ['spec.timeout: Invalid value: "5 fortnights": spec.timeout in body must be of type duration: "5 fortnights"']],
  ['hostname', { host: '-bad-' }, ['spec.host: Invalid value: "-bad-": spec.host in body must be of type hostname: "-bad-"']],
  ['minItems', { items: [] }, ['spec.items: Invalid value: 0: spec.items in body should have at least 1 items']],
  ['maxItems', { items: ['a', 'b', 'c'] }, ['spec.items: Too many: 3: must have at most 2 items']],
  ['set duplicates', { tags: ['a', 'b', 'a'] }, ['spec.tags[2]: Duplicate value: "a"']],
  ['map list duplicates', { ports: [{ name: 'a' }, { name: 'a', port: 2 }] }, ['spec.ports[1]: Duplicate value: {"name":"a"}']],
  ['map list key required', { ports: [{ port: 1 }] }, ['spec.ports[0].name: Required value']],
  ['maxProperties', { labels: { a: 'x', b: 'y' } }, ['spec.labels: Invalid value: 2: spec.labels in body should have at most 1 properties']],
  ['map value type', { labels: { a: 1 } }, ['spec.labels[a]: Invalid value: "integer": spec.labels[a] in body must be of type string: "integer"']],
  ['int-or-string', { port: true }, ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer-or-string: "boolean"']],
  // Junctors as kube-openapi reports them: a composite error without field path, then the closest branch's causes.
  ["oneOf none valid: the first branch's causes", { choice: {} }, ['<nil>: Invalid value: "": "spec.choice" must validate one and only one schema (oneOf). Found none valid', 'spec.choice.a: Required value']],
  ['oneOf both', { choice: { a: 'x', b: 'y' } }, ['<nil>: Invalid value: "": "spec.choice" must validate one and only one schema (oneOf). Found 2 valid alternatives']],
  ['not', { notEmpty: '' }, ['<nil>: Invalid value: "": "spec.notEmpty" must not validate the schema (not)']],
  ['anyOf none: ties go to the first branch', { endpoint: {} }, ['<nil>: Invalid value: "": "spec.endpoint" must validate at least one schema (anyOf)', 'spec.endpoint.url: Required value']],
  ['anyOf none: the branch that matched more reports', { endpoint: { port: 0 } }, ['<nil>: Invalid value: "": "spec.endpoint" must validate at least one schema (anyOf)', 'spec.endpoint.port: Invalid value: 0: spec.endpoint.port in body should be greater than or equal to 1']],
  ['anyOf none: a nested pattern miss', { endpoint: { url: 'http://x' } }, ['<nil>: Invalid value: "": "spec.endpoint" must validate at least one schema (anyOf)', 'spec.endpoint.url: Invalid value: "http://x": spec.endpoint.url in body should match \'^https://\'']],
  [
    "allOf: every branch's errors, then the summary",
    { both: 'b' },
    ['spec.both: Invalid value: "b": spec.both in body should be at least 2 chars long', 'spec.both: Invalid value: "b": spec.both in body should match \'^a\'', '<nil>: Invalid value: "": "spec.both" must validate all the schemas (allOf). None validated'],
  ],
  ['allOf: one branch fails', { both: 'bb' }, ['spec.both: Invalid value: "bb": spec.both in body should match \'^a\'', '<nil>: Invalid value: "": "spec.both" must validate all the schemas (allOf)']],
  ['embedded resource needs type meta', { pod: { spec: {} } }, ['spec.pod.apiVersion: Required value', 'spec.pod.kind: Required value']],
  [
    'embedded resource metadata and kind',
    { pod: { apiVersion: 'a/b/c', kind: 'Bad_Kind', metadata: { name: 'x/y', labels: { 'a b': 'c' } } } },
    [
      'spec.pod.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c',
      `spec.pod.kind: Invalid value: "Bad_Kind": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
      "spec.pod.metadata.name: Invalid value: \"x/y\": may not contain '/' or '%'",
      "spec.pod.metadata.labels: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ],
  ],
  ['required', { replicas: undefined }, ['spec.replicas: Required value']],
  ['CEL messageExpression and fieldPath', { range: { min: 5, max: 3 } }, ['spec.range.min: Invalid value: "object": min 5 exceeds max']],
  ['CEL reason', { range: { min: 1, max: 300 } }, ['spec.range: Forbidden: max too big']],
];

for (const [name, spec, want] of valueCases) {
  test(`values: ${name}`, () => {
    const got = lines(crd.validate(obj(spec) as never));
    assert.deepEqual(got, want);
  });
}

test('values: a valid object passes, null is accepted only where nullable', () => {
  const good = obj({
    ratio: 1.5,
    name: 'abc',
    mode: 'Fast',
    level: 2,
    uid: '123e4567-e89b-12d3-a456-426614174000',
    when: '2024-01-02T03:04:05Z',
    ip: '10.1.2.3',
    cidr: '10.0.0.0/8',
    timeout: '1h30m',
    host: 'example.com',
    items: ['a'],
    tags: ['a', 'b'],
    ports: [{ name: 'a', port: 1 }, { name: 'b' }],
    labels: { a: 'x' },
    port: 'http',
    note: null,
    choice: { a: 'x' },
    notEmpty: 'x',
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { anything: true } },
    immutable: 'x',
    range: { min: 1, max: 2 },
  });
  assert.deepEqual(lines(crd.validate(obj({}) as never)), []);
  assert.deepEqual(lines(crd.validate(good as never)), []);
});

test('values: the spec itself is required and the metadata name restriction applies', () => {
  assert.deepEqual(lines(crd.validate({ apiVersion: 'x.io/v1', kind: 'X', metadata: { name: 'x' } } as never)), ['spec: Required value']);
  assert.deepEqual(lines(crd.validate(obj({}, 'much-too-long-name') as never)), ['metadata.name: Too long: may not be more than 10 bytes']);
});

test('values: transition rules run only on update with an old value', () => {
  assert.deepEqual(lines(crd.validate(obj({ immutable: 'a' }) as never)), []);
  assert.deepEqual(lines(crd.validate(obj({ immutable: 'b' }) as never, obj({ immutable: 'a' }) as never)), ['spec.immutable: Invalid value: "string": is immutable']);
  assert.deepEqual(lines(crd.validate(obj({ immutable: 'a' }) as never, obj({ immutable: 'a' }) as never)), []);
  // Newly set on update: no old value to compare with.
  assert.deepEqual(lines(crd.validate(obj({ immutable: 'b' }) as never, obj({}) as never)), []);
});

test('values: transition rules correlate map-list items by key', () => {
  const c = compiled(
    root({
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
      items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, size: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'may not shrink' }] } } },
    }),
  );
  const o = (spec: unknown) => ({ apiVersion: 'x/v1', kind: 'X', metadata: {}, spec }) as never;
  assert.deepEqual(
    lines(
      c.validate(
        o([
          { name: 'b', size: 1 },
          { name: 'a', size: 5 },
        ]),
        o([
          { name: 'a', size: 10 },
          { name: 'b', size: 1 },
        ]),
      ),
    ),
    ['spec[1].size: Invalid value: "integer": may not shrink'],
  );
});

test('values: CEL budget stops runaway rule evaluation with a clear error', () => {
  const c = compiled(root({ type: 'array', maxItems: 1000000, items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= 0' }] } }));
  const errs = c.validate({ apiVersion: 'x/v1', kind: 'X', metadata: {}, spec: Array.from({ length: 60000 }, () => 1) } as never);
  assert.deepEqual(lines(errs), ['spec[50000]: Invalid value: "integer": validation failed due to running out of cost budget, no further validation rules will be run']);
});

test('hostile schemas: deep nesting and catastrophic patterns are bounded', () => {
  let deep: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < 200; i++) deep = { type: 'object', properties: { a: deep } };
  const got = errorsOf({ type: 'object', properties: { spec: deep } });
  assert.ok(
    got.some((g) => g.includes('levels of nesting')),
    JSON.stringify(got.slice(0, 3)),
  );
  // (a+)+$ is exponential for backtracking engines; RE2 matches in linear time.
  const c = compiled(root({ type: 'string', pattern: '^(a+)+$' }));
  const t0 = Date.now();
  const errs = c.validate({ apiVersion: 'x/v1', kind: 'X', metadata: {}, spec: `${'a'.repeat(5000)}!` } as never);
  assert.equal(errs.length, 1);
  assert.ok(Date.now() - t0 < 2000);
});

test('values: ratcheting: unchanged invalid values pass on update, changed ones are checked', () => {
  const bad = obj({ replicas: 50, name: 'TOO-LONG-NAME' });
  const stored = structuredClone(bad);
  (stored.metadata as Record<string, unknown>).resourceVersion = '5';
  assert.deepEqual(lines(crd.validate(obj({ replicas: 50, name: 'TOO-LONG-NAME', mode: 'Fast' }) as never, stored as never)), []);
  assert.deepEqual(lines(crd.validate(obj({ replicas: 51, name: 'TOO-LONG-NAME' }) as never, stored as never)), ['spec.replicas: Invalid value: 51: spec.replicas in body should be less than or equal to 10']);
  // Transition rules still run on unchanged values.
  assert.deepEqual(lines(crd.validate(obj({ immutable: 'a' }) as never, obj({ immutable: 'a' }) as never)), []);
});

test('hostile names: Object.prototype member names are ordinary fields', () => {
  const c = compiled(JSON.parse('{"type":"object","properties":{"spec":{"type":"object","properties":{"__proto__":{"type":"integer","maximum":1},"constructor":{"type":"string"}}}}}'));
  const errs = c.validate(JSON.parse('{"apiVersion":"x/v1","kind":"X","metadata":{},"spec":{"__proto__":5,"constructor":3,"toString":1}}'));
  assert.deepEqual(lines(errs), ['spec.__proto__: Invalid value: 5: spec.__proto__ in body should be less than or equal to 1', 'spec.constructor: Invalid value: "integer": spec.constructor in body must be of type string: "integer"']);
});

test('formats: what kube-openapi accepts and refuses', async () => {
  const { matchesFormat } = await import('./formats.js');
  const good: [string, string][] = [
    ['date', '2024-02-29'],
    ['date-time', '2024-01-02T03:04:05.123+01:00'],
    ['date-time', '2024-01-02T03:04:05'],
    ['duration', '1h30m'],
    ['duration', '3d'],
    ['duration', '5 minutes'],
    ['uuid', '123E4567-E89B-12D3-A456-426614174000'],
    ['email', 'a@b.c'],
    ['hostname', 'a-b.example.com'],
    ['ipv6', '::1'],
    ['cidr', 'fd00::/8'],
    ['mac', '00:1a:2b:3c:4d:5e'],
    ['uri', 'https://example.com/x'],
    ['byte', 'aGVsbG8='],
    ['password', 'anything'],
  ];
  const bad: [string, string][] = [
    ['date', '2023-02-29'],
    ['date-time', '2024-01-02T25:04:05Z'],
    ['date-time', 'yesterday'],
    ['uuid', '123e4567'],
    ['email', 'nobody'],
    ['hostname', 'a_b.com'],
    ['ipv6', '1.2.3.4'],
    ['cidr', '10.0.0.1'],
    ['mac', '00:1a:2b'],
    ['uri', 'not a uri'],
    ['byte', 'abc'],
  ];
  for (const [f, v] of good) assert.ok(matchesFormat(f, v), `${f} ${v} should be valid`);
  for (const [f, v] of bad) assert.ok(!matchesFormat(f, v), `${f} ${v} should be invalid`);
});

test('hostile patterns: oversized repetitions refused at compile, long values refused against costly patterns', () => {
  assert.match(errorsOf(root({ type: 'string', pattern: '[a-z]{1000}'.repeat(6) })).join(), /pattern: Invalid value: .*must be a valid regular expression, but isn't: expression too large/);
  const c = compiled(root({ type: 'string', pattern: '^\\w{1000}$' }));
  const errs = c.validate({ apiVersion: 'x/v1', kind: 'X', metadata: {}, spec: 'x'.repeat(100_000) } as never);
  assert.deepEqual(lines(errs), ["spec: Forbidden: matching '^\\w{1000}$' exceeds the validation budget: the value is too long for its pattern"]);
  // Common Kubernetes patterns stay cheap.
  compiled(root({ type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$', maxLength: 253 }));
});

test("values: a rule too costly for its value stops with Kubernetes' cost message", () => {
  const c = compiled(root({ type: 'array', items: { type: 'integer' }, 'x-kubernetes-validations': [{ rule: 'self.all(x, self.all(y, self.all(z, x + y + z >= 0)))' }] }));
  const errs = c.validate({ apiVersion: 'x/v1', kind: 'X', metadata: {}, spec: Array.from({ length: 300 }, (_, i) => i) } as never);
  assert.equal(errs.length, 1);
  assert.match(`${errs[0].field}: ${errs[0].message}`, /^spec: Invalid value: "array": (call cost exceeds limit for rule|validation failed due to running out of cost budget)/);
});

test('values: optional types in rules; optionalOldSelf makes oldSelf an optional (none on create)', () => {
  const c = compiled(
    root({
      type: 'object',
      properties: { mode: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } } },
      'x-kubernetes-validations': [
        { rule: "self.?mode.orValue('auto') != 'off' || !has(self.labels)", message: 'labels need a mode' },
        { rule: "self.?labels[?'tier'].orValue('web') in ['web', 'db']", message: 'bad tier' },
        { rule: '!oldSelf.hasValue() || oldSelf.value().?mode == self.?mode', message: 'mode is immutable once set', optionalOldSelf: true },
      ],
    }),
  );
  const o = (spec: unknown) => ({ apiVersion: 'x/v1', kind: 'X', metadata: {}, spec }) as never;
  assert.deepEqual(lines(c.validate(o({}))), [], 'create: oldSelf is none');
  assert.deepEqual(lines(c.validate(o({ mode: 'off', labels: {} }))), ['spec: Invalid value: "object": labels need a mode']);
  assert.deepEqual(lines(c.validate(o({ labels: { tier: 'cache' } }))), ['spec: Invalid value: "object": bad tier']);
  assert.deepEqual(lines(c.validate(o({ mode: 'a' }), o({ mode: 'b' }))), ['spec: Invalid value: "object": mode is immutable once set']);
  assert.deepEqual(lines(c.validate(o({ mode: 'a' }), o({ mode: 'a' }))), []);
});

test('hostile junctors: huge and nested anyOf/oneOf report a bounded number of causes', () => {
  // 200 branches, each missing 100 required fields, and the same list nested three levels deep:
  // only the closest branch's causes come back, at most MAX_BRANCH_CAUSES per junctor.
  const fields = Array.from({ length: 100 }, (_, i) => `f${i}`);
  const properties = Object.fromEntries(fields.map((f) => [f, { type: 'string' }]));
  const branches = () => Array.from({ length: 200 }, () => ({ required: fields, ...{} }));
  for (const junctor of ['anyOf', 'oneOf']) {
    const c = compiled(root({ type: 'object', properties, [junctor]: branches() }));
    const errs = lines(c.validate({ apiVersion: 'x/v1', kind: 'X', metadata: {}, spec: {} } as never));
    assert.equal(errs.length, 1 + MAX_BRANCH_CAUSES, errs.slice(0, 3).join('\n'));
    assert.match(errs[0], /^<nil>: Invalid value: "": "spec" must validate/);
    assert.equal(errs[1], 'spec.f0: Required value');
  }
  const nested = compiled(root({ type: 'object', properties, anyOf: [{ anyOf: [{ anyOf: branches() }] }] }));
  const errs = lines(nested.validate({ apiVersion: 'x/v1', kind: 'X', metadata: {}, spec: {} } as never));
  assert.ok(errs.length <= 3 + MAX_BRANCH_CAUSES, String(errs.length));
  assert.equal(errs.filter((e) => e.includes('must validate at least one schema (anyOf)')).length, 3);
});
