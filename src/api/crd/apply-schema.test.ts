// Defaulting, pruning, strict field validation and OpenAPI publication of compiled CRD schemas,
// and a property test: compile and validate never throw, whatever the JSON.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { applySchemaDefaults } from '../defaults.js';
import type { KindDef, KObject } from '../kind.js';
import { openapiV3Doc } from '../openapi.js';
import { KindRegistry } from '../registry.js';
import { pruneUnknownFields, validateAgainstSchema } from '../validate.js';
import { compileCrdSchema } from './compile.js';
import type { CompiledCrdSchema } from './schema.js';

const P = 'spec.versions[0].schema.openAPIV3Schema';
const compiled = (schema: unknown): CompiledCrdSchema => {
  const r = compileCrdSchema(schema, P);
  if ('errors' in r) assert.fail(r.errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  return r;
};

const crd = compiled({
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        replicas: { type: 'integer', default: 1 },
        strategy: { type: 'object', default: {}, properties: { type: { type: 'string', default: 'Rolling' }, maxSurge: { 'x-kubernetes-int-or-string': true, default: '25%' } } },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name', 'protocol'],
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, protocol: { type: 'string', default: 'TCP' } } },
        },
        labels: { type: 'object', additionalProperties: { type: 'object', properties: { v: { type: 'string', default: 'x' } } } },
        note: { type: 'string', nullable: true, default: 'n' },
        raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        anything: { 'x-kubernetes-preserve-unknown-fields': true },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } } },
      },
    },
    status: { type: 'object', properties: { ready: { type: 'boolean' } } },
  },
});

const obj = (spec: Record<string, unknown>): KObject => ({ apiVersion: 'x.io/v1', kind: 'X', metadata: { name: 'a' }, spec });

test('defaulting: absent fields, nested objects, list items and map values', () => {
  const o = obj({ ports: [{ name: 'http' }], labels: { a: {} } });
  applySchemaDefaults(crd.schema, o);
  assert.deepEqual(o.spec, {
    replicas: 1,
    strategy: { type: 'Rolling', maxSurge: '25%' },
    ports: [{ name: 'http', protocol: 'TCP' }],
    labels: { a: { v: 'x' } },
    note: 'n',
  });
  // A nullable field's null stays null; a non-nullable null is defaulted.
  const n = obj({ note: null, replicas: null });
  applySchemaDefaults(crd.schema, n);
  assert.equal((n.spec as Record<string, unknown>).note, null);
  assert.equal((n.spec as Record<string, unknown>).replicas, 1);
  // Defaulting what is already stored (Kubernetes defaults on read too) changes nothing more.
  const again = structuredClone(o);
  applySchemaDefaults(crd.schema, again);
  assert.deepEqual(again, o);
});

test('pruning: unknown fields go, preserved subtrees and embedded type meta stay; strict validation names them', () => {
  const o = obj({
    replicas: 2,
    bogus: 1,
    strategy: { type: 'Recreate', extra: true },
    raw: { free: { form: 1 } },
    anything: [1, { a: 2 }],
    template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', nonsense: 1 }, spec: { a: 'x', b: 'y' } },
  });
  (o as Record<string, unknown>).top = 'level';
  const { unknownFields, errors } = validateAgainstSchema(crd.schema, o, { unknownFields: 'Strict' });
  assert.deepEqual(errors, []);
  assert.deepEqual(unknownFields.sort(), ['spec.bogus', 'spec.strategy.extra', 'spec.template.metadata.nonsense', 'spec.template.spec.b', 'top']);
  pruneUnknownFields(crd.schema, o);
  assert.deepEqual(o, obj({ replicas: 2, strategy: { type: 'Recreate' }, raw: { free: { form: 1 } }, anything: [1, { a: 2 }], template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { a: 'x' } } }));
  // Non-nullable nulls are dropped, nullable ones kept.
  const n = obj({ replicas: null, note: null });
  pruneUnknownFields(crd.schema, n);
  assert.deepEqual(n.spec, { note: null });
});

test('validateAgainstSchema leaves CRD values to the kind (kube-openapi messages, no duplicates)', () => {
  const o = obj({ replicas: 'many' });
  assert.deepEqual(validateAgainstSchema(crd.schema, o, { unknownFields: 'Ignore' }).errors, []);
  assert.deepEqual(
    crd.validate(o).map((e) => e.message),
    ['Invalid value: "string": spec.replicas in body must be of type integer: "string"'],
  );
});

test('OpenAPI v3 publishes the CRD keywords', () => {
  const c = compiled({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        description: 'The spec.',
        properties: {
          size: { type: 'integer', minimum: 1, maximum: 9, exclusiveMaximum: true, format: 'int32' },
          name: { type: 'string', pattern: '^[a-z]+$', minLength: 1, maxLength: 9, enum: ['a', 'b'] },
          items: { type: 'array', minItems: 1, maxItems: 3, items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
          level: { type: 'integer', enum: [1, 2] },
          cfg: { type: 'object', nullable: true, maxProperties: 4, additionalProperties: { type: 'string' } },
        },
        'x-kubernetes-validations': [{ rule: 'self.size > 2' }],
        oneOf: [{ required: ['size'] }, { required: ['name'] }],
      },
    },
  });
  const schema = { ...c.schema, name: 'io.x.v1.Thing' };
  const def: KindDef = { group: 'x.io', version: 'v1', kind: 'Thing', plural: 'things', singular: 'thing', namespaced: true, schema, validate: c.validate };
  const doc = openapiV3Doc(new KindRegistry([def]), 'apis/x.io/v1') as { components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> } };
  const spec = doc.components.schemas['io.x.v1.Thing'].properties.spec as Record<string, unknown> & { properties: Record<string, Record<string, unknown>> };
  assert.deepEqual(spec['x-kubernetes-validations'], [{ rule: 'self.size > 2' }]);
  assert.deepEqual(spec.oneOf, [{ required: ['size'] }, { required: ['name'] }]);
  assert.deepEqual(spec.properties.size, { type: 'integer', format: 'int32', minimum: 1, maximum: 9, exclusiveMaximum: true });
  assert.deepEqual(spec.properties.name, { type: 'string', enum: ['a', 'b'], pattern: '^[a-z]+$', minLength: 1, maxLength: 9 });
  assert.deepEqual(spec.properties.items, { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 3, 'x-kubernetes-list-type': 'set' });
  assert.deepEqual(spec.properties.level, { type: 'integer', enum: [1, 2] });
  assert.deepEqual(spec.properties.cfg, { type: 'object', nullable: true, additionalProperties: { type: 'string' }, maxProperties: 4 });
});

// ---- property tests --------------------------------------------------------------------------

const keyword = fc.constantFrom(
  'type',
  'properties',
  'items',
  'additionalProperties',
  'required',
  'enum',
  'pattern',
  'format',
  'default',
  'nullable',
  'minimum',
  'maximum',
  'maxLength',
  'minItems',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
  'metadata',
  'spec',
);
const leaf = fc.oneof(fc.constantFrom('object', 'array', 'string', 'integer', 'number', 'boolean', 'map', 'set', 'atomic', '(a', '^a+$', 'self.x > 1', 'oldSelf == self', 'int32', 'uuid'), fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 4 }));
const schemaLike = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(keyword, tie('v'), { maxKeys: 5 }), fc.dictionary(fc.string({ maxLength: 3 }), tie('v'), { maxKeys: 3 })),
})).v;

test('property: compile never throws on arbitrary JSON, and compiled validators never throw', () => {
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), schemaLike), fc.jsonValue(), fc.jsonValue(), (schema, o1, o2) => {
      const r = compileCrdSchema(schema, P);
      if ('errors' in r) {
        assert.ok(r.errors.length > 0);
        for (const e of r.errors) assert.ok(typeof e.field === 'string' && typeof e.message === 'string');
        return;
      }
      const wrap = (spec: unknown) => ({ apiVersion: 'x/v1', kind: 'X', metadata: {}, spec }) as KObject;
      r.validate(wrap(o1));
      r.validate(wrap(o1), wrap(o2));
      const o = wrap(structuredClone(o1));
      applySchemaDefaults(r.schema, o);
      pruneUnknownFields(r.schema, o);
      validateAgainstSchema(r.schema, o, { unknownFields: 'Strict' });
    }),
    { numRuns: 1500 },
  );
});

test('property: schemas built from valid pieces compile and accept their own defaults', () => {
  const scalar = fc.oneof(fc.record({ type: fc.constant('string'), maxLength: fc.integer({ min: 0, max: 5 }) }), fc.record({ type: fc.constant('integer'), minimum: fc.integer({ min: -5, max: 0 }), maximum: fc.integer({ min: 1, max: 5 }) }), fc.record({ type: fc.constant('boolean') }));
  const node = fc.letrec((tie) => ({
    s: fc.oneof({ depthSize: 'small' }, scalar, fc.record({ type: fc.constant('object'), properties: fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('s'), { maxKeys: 3 }) }), fc.record({ type: fc.constant('array'), items: tie('s') })),
  })).s;
  fc.assert(
    fc.property(node, (spec) => {
      const r = compileCrdSchema({ type: 'object', properties: { spec } }, P);
      assert.ok(!('errors' in r), JSON.stringify('errors' in r ? r.errors : []));
    }),
    { numRuns: 300 },
  );
});

test('server-side apply follows the CRD list-map keys, sets and atomic maps', async () => {
  const { serverSideApply } = await import('../../apiserver/patch/managed-fields.js');
  const c = compiled({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          ports: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['port', 'protocol'],
            items: { type: 'object', required: ['port'], properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' }, name: { type: 'string' } } },
          },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
        },
      },
    },
  });
  const opts = { schema: c.schema, apiVersion: 'x.io/v1', now: '2026-01-01T00:00:00Z', force: false };
  const a = serverSideApply(undefined, obj({ ports: [{ port: 80, protocol: 'TCP', name: 'http' }], tags: ['a'], selector: { app: 'x', tier: 'web' } }), { ...opts, manager: 'a' });
  const b = serverSideApply(a, obj({ ports: [{ port: 80, protocol: 'UDP', name: 'dns' }], tags: ['b'] }), { ...opts, manager: 'b' });
  const spec = b.spec as Record<string, unknown>;
  assert.deepEqual(spec.ports, [
    { port: 80, protocol: 'TCP', name: 'http' },
    { port: 80, protocol: 'UDP', name: 'dns' },
  ]);
  assert.deepEqual(spec.tags, ['a', 'b']);
  // An atomic map is replaced whole by its owner's next apply.
  const a2 = serverSideApply(b, obj({ ports: [{ port: 80, protocol: 'TCP', name: 'http' }], tags: ['a'], selector: { app: 'y' } }), { ...opts, manager: 'a' });
  assert.deepEqual((a2.spec as Record<string, unknown>).selector, { app: 'y' });
  const fields = Object.fromEntries(a2.metadata!.managedFields!.map((m) => [m.manager, m.fieldsV1 as Record<string, Record<string, Record<string, unknown>>>]));
  assert.deepEqual(fields.a['f:spec']['f:selector'], {});
});

test('real-world shapes: a Gateway API HTTPRoute-like and a cert-manager Certificate-like schema compile, default and validate', () => {
  const route = compiled({
    type: 'object',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        properties: {
          hostnames: { type: 'array', maxItems: 16, items: { type: 'string', maxLength: 253, minLength: 1, pattern: '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$' } },
          parentRefs: {
            type: 'array',
            maxItems: 32,
            items: {
              type: 'object',
              required: ['name'],
              properties: {
                group: { type: 'string', default: 'gateway.networking.k8s.io', maxLength: 253 },
                kind: { type: 'string', default: 'Gateway', maxLength: 63, minLength: 1 },
                name: { type: 'string', maxLength: 253, minLength: 1 },
                port: { type: 'integer', format: 'int32', minimum: 1, maximum: 65535 },
              },
            },
            'x-kubernetes-validations': [{ message: 'sectionName or port must be specified when parentRefs includes 2 or more references to the same parent', rule: 'self.all(p1, self.exists_one(p2, p1.name == p2.name))' }],
          },
          rules: {
            type: 'array',
            maxItems: 16,
            default: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
            items: {
              type: 'object',
              properties: {
                matches: {
                  type: 'array',
                  maxItems: 64,
                  default: [{ path: { type: 'PathPrefix', value: '/' } }],
                  items: {
                    type: 'object',
                    properties: {
                      path: {
                        type: 'object',
                        default: { type: 'PathPrefix', value: '/' },
                        properties: { type: { type: 'string', default: 'PathPrefix', enum: ['Exact', 'PathPrefix', 'RegularExpression'] }, value: { type: 'string', default: '/', maxLength: 1024 } },
                        'x-kubernetes-validations': [{ message: "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']", rule: "(self.type in ['Exact','PathPrefix']) ? self.value.startsWith('/') : true" }],
                      },
                    },
                  },
                },
                backendRefs: {
                  type: 'array',
                  items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer', format: 'int32' }, weight: { type: 'integer', format: 'int32', default: 1, minimum: 0, maximum: 1000000 } } },
                },
              },
            },
          },
        },
      },
      status: { type: 'object', properties: { parents: { type: 'array', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
    },
  });
  const o = obj({ parentRefs: [{ name: 'gw' }], hostnames: ['example.com'], rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }] });
  applySchemaDefaults(route.schema, o);
  assert.deepEqual(o.spec, {
    parentRefs: [{ name: 'gw', group: 'gateway.networking.k8s.io', kind: 'Gateway' }],
    hostnames: ['example.com'],
    rules: [{ backendRefs: [{ name: 'svc', port: 80, weight: 1 }], matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
  });
  assert.deepEqual(route.validate(o), []);
  const bad = obj({ hostnames: ['Bad_Host'], rules: [{ matches: [{ path: { type: 'Exact', value: 'nope' } }] }] });
  assert.deepEqual(
    route.validate(bad).map((e) => `${e.field}: ${e.message}`),
    [
      'spec.hostnames[0]: Invalid value: "Bad_Host": spec.hostnames[0] in body should match \'^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$\'',
      "spec.rules[0].matches[0].path: Invalid value: \"object\": value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']",
    ],
  );

  const cert = compiled({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        required: ['issuerRef', 'secretName'],
        properties: {
          secretName: { type: 'string' },
          duration: { type: 'string' },
          dnsNames: { type: 'array', items: { type: 'string' } },
          issuerRef: { type: 'object', required: ['name'], properties: { group: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' } } },
          privateKey: { type: 'object', properties: { algorithm: { type: 'string', enum: ['RSA', 'ECDSA', 'Ed25519'] }, size: { type: 'integer' }, rotationPolicy: { type: 'string', enum: ['Never', 'Always'] } } },
          usages: { type: 'array', items: { type: 'string', enum: ['signing', 'digital signature', 'server auth', 'client auth'] } },
          resources: { type: 'object', additionalProperties: { anyOf: [{ type: 'integer' }, { type: 'string' }], pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$', 'x-kubernetes-int-or-string': true } },
        },
      },
    },
  });
  assert.deepEqual(cert.validate(obj({ secretName: 's', issuerRef: { name: 'ca' }, usages: ['server auth'], resources: { cpu: '100m', memory: 5 } })), []);
  assert.deepEqual(
    cert.validate(obj({ secretName: 's', issuerRef: {}, privateKey: { algorithm: 'DSA' }, resources: { cpu: 'lots' } })).map((e) => `${e.field}: ${e.message}`),
    [
      'spec.issuerRef.name: Required value',
      'spec.privateKey.algorithm: Unsupported value: "DSA": supported values: "RSA", "ECDSA", "Ed25519"',
      'spec.resources[cpu]: Invalid value: "lots": spec.resources[cpu] in body should match \'^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$\'',
    ],
  );
});
