import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabelSelector, labelSelectorToString, selectorFromObject } from './labels.js';
import { parseFieldSelector } from './fields.js';
import { humanDuration, toTable } from './table.js';
import { validateAgainstSchema, pruneUnknownFields } from './validate.js';
import { applySchemaDefaults } from './defaults.js';
import { isQuantity, parseQuantity } from './quantity.js';
import { kindSchema } from './meta.js';
import { int32, mapList, struct, enumOf } from './schema.js';
import { KindRegistry, compareVersions } from './registry.js';
import { openapiV3Doc, openapiV3Index } from './openapi.js';
import { validateObjectMeta } from './validate-meta.js';
import { ApiError } from './errors.js';
import type { KindDef } from './kind.js';

test('label selectors: parse, match, string form', () => {
  const s = parseLabelSelector('app=web, tier in (a,b),!legacy,env!=prod,track');
  assert.ok(s.matches({ app: 'web', tier: 'a', track: 'x' }));
  assert.ok(!s.matches({ app: 'web', tier: 'c', track: 'x' }));
  assert.ok(!s.matches({ app: 'web', tier: 'a', track: 'x', legacy: '1' }));
  assert.ok(!s.matches({ app: 'web', tier: 'a', track: 'x', env: 'prod' }));
  assert.ok(parseLabelSelector('x notin (1)').matches({}));
  assert.throws(() => parseLabelSelector('a=b,,=c'), ApiError);
  assert.equal(labelSelectorToString({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x'] }] }), 'a=1,b=2,c in (x,y)');
  assert.ok(selectorFromObject({}).matches({ any: 'thing' }));
  assert.ok(!selectorFromObject(undefined).matches({}));
});

test('field selectors', () => {
  const f = parseFieldSelector('metadata.name=a,status.phase!=Failed');
  const get = (o: Record<string, string>) => (k: string) => o[k];
  assert.ok(f.matches(get({ 'metadata.name': 'a', 'status.phase': 'Running' })));
  assert.ok(!f.matches(get({ 'metadata.name': 'a', 'status.phase': 'Failed' })));
  assert.throws(() => parseFieldSelector('nonsense'), ApiError);
});

test('human durations as kubectl prints them', () => {
  const s = 1000;
  assert.equal(humanDuration(5 * s), '5s');
  assert.equal(humanDuration(150 * s), '2m30s');
  assert.equal(humanDuration(15 * 60 * s), '15m');
  assert.equal(humanDuration(5 * 3600 * s + 7 * 60 * s), '5h7m');
  assert.equal(humanDuration(30 * 3600 * s), '30h');
  assert.equal(humanDuration(3 * 86400 * s + 4 * 3600 * s), '3d4h');
  assert.equal(humanDuration(40 * 86400 * s), '40d');
});

test('quantities', () => {
  for (const q of ['100m', '1Gi', '2e3', '0.5', '128974848', '129M', '1.5Ki']) assert.ok(isQuantity(q), q);
  for (const q of ['', 'abc', '1GG', '--1']) assert.ok(!isQuantity(q), q);
  assert.equal(parseQuantity('100m'), 0.1);
  assert.equal(parseQuantity('1Gi'), 1024 ** 3);
});

const port = struct('t.Port', 'A port.', { containerPort: int32('n'), protocol: enumOf(['TCP', 'UDP'], 'p', { default: 'TCP' }) }, { required: ['containerPort'] });
const schema = kindSchema('t.Widget', 'A widget.', { spec: struct('t.WidgetSpec', 'Spec.', { ports: mapList(port, 'containerPort', 'Ports.', ['containerPort', 'protocol']), size: int32('Size.') }) });
const def: KindDef = { group: 'example.com', version: 'v1', kind: 'Widget', plural: 'widgets', singular: 'widget', namespaced: true, schema, printerColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }] };

test('schema validation: types, enums, required, duplicates, unknown fields; pruning and defaults', () => {
  const obj = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 'big', bogus: 1, ports: [{ containerPort: 80, protocol: 'ICMP', extra: true }, { containerPort: 80, protocol: 'ICMP' }, {}] } };
  const r = validateAgainstSchema(schema, obj, { unknownFields: 'Strict' });
  assert.deepEqual(r.unknownFields, ['spec.bogus', 'spec.ports[0].extra']);
  const fields = r.errors.map((e) => `${e.field}:${e.reason}`).sort();
  assert.deepEqual(fields, ['spec.ports[0].protocol:FieldValueNotSupported', 'spec.ports[1].protocol:FieldValueNotSupported', 'spec.ports[1]:FieldValueDuplicate', 'spec.ports[2].containerPort:FieldValueRequired', 'spec.size:FieldValueTypeInvalid']);
  pruneUnknownFields(schema, obj);
  assert.equal((obj.spec as any).bogus, undefined);
  const d = { spec: { ports: [{ containerPort: 1 }] } };
  applySchemaDefaults(schema, d);
  assert.equal((d.spec.ports[0] as any).protocol, 'TCP');
});

test('metadata validation names the field and says why', () => {
  const errs = validateObjectMeta(def, { metadata: { name: 'Bad_Name', namespace: 'default', labels: { 'a/b/c': 'x' } } });
  assert.deepEqual(
    errs.map((e) => e.field),
    ['metadata.name', 'metadata.labels'],
  );
  assert.match(errs[0].message, /RFC 1123 subdomain/);
  assert.deepEqual(
    validateObjectMeta(def, { metadata: { namespace: 'default' } }).map((e) => e.message),
    ['Required value: name or generateName is required'],
  );
});

test('tables: NAME, printer columns, AGE, with partial object metadata', () => {
  const t = toTable(def, [{ metadata: { name: 'w', creationTimestamp: new Date(Date.now() - 5000).toISOString() }, spec: { size: 3 } }]) as any;
  assert.deepEqual(
    t.columnDefinitions.map((c: any) => c.name),
    ['Name', 'Size', 'Age'],
  );
  assert.deepEqual(t.rows[0].cells.slice(0, 2), ['w', 3]);
  assert.match(t.rows[0].cells[2], /^[45]s$/);
  assert.equal(t.rows[0].object.kind, 'PartialObjectMetadata');
});

test('registry and OpenAPI v3: index, kind schemas tagged with their GVK, PATCH with fieldValidation', () => {
  const reg = new KindRegistry([def]);
  assert.deepEqual(reg.groups(), [{ group: 'example.com', versions: ['v1'], preferredVersion: 'v1' }]);
  assert.ok(compareVersions('v1', 'v1beta1') < 0 && compareVersions('v2', 'v1') < 0 && compareVersions('v1beta2', 'v1alpha3') < 0);
  const index = openapiV3Index(reg) as any;
  assert.match(index.paths['apis/example.com/v1'].serverRelativeURL, /^\/openapi\/v3\/apis\/example.com\/v1\?hash=/);
  const doc = openapiV3Doc(reg, 'apis/example.com/v1') as any;
  assert.deepEqual(doc.components.schemas['t.Widget']['x-kubernetes-group-version-kind'], [{ group: 'example.com', kind: 'Widget', version: 'v1' }]);
  const patch = doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'example.com', version: 'v1', kind: 'Widget' });
  assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query'));
  // Every $ref resolves.
  const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[^"]+/g) ?? [];
  for (const r of refs) assert.ok(doc.components.schemas[r.slice('#/components/schemas/'.length)], r);
});
