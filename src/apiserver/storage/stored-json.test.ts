import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { KObject } from '../../api/kind.js';
import { decode, encode } from './codec.js';
import { storedJsonWithResourceVersion } from './stored-json.js';

/** What a client got before: the stored value decoded, then encoded. */
const slow = (value: string, rv: number) => JSON.stringify(decode({ key: 'k', value, createRevision: 1, modRevision: rv }));

test('the spliced text is the decoded object re-encoded, byte for byte', () => {
  const cases: [string, KObject][] = [
    ['typical object', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u', creationTimestamp: '2024-01-01T00:00:00Z', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } }],
    ['resourceVersion last: none of the keys it goes before', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', uid: 'u' }, data: { a: 'b' } }],
    ['empty metadata', { apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, data: {} }],
    ['metadata first, generation first', { metadata: { generation: 3, name: 'x' }, apiVersion: 'apps/v1', kind: 'Deployment' }],
    ['managedFields only', { apiVersion: 'v1', kind: 'Pod', metadata: { managedFields: [{ manager: 'm', fieldsV1: { 'f:metadata': {} } }] } }],
    ['strings with quotes, backslashes and braces before metadata', { apiVersion: 'v1\\"}{', kind: 'K"\\\\', metadata: { name: '\\', annotations: { '"}': '{[\\"' } } }],
    ['numbers, booleans and null around', { a: 1.5e300, b: true, c: null, d: [1, [2, { e: false }]], metadata: { name: 'n', x: -0.25, labels: {} }, z: 'end' } as unknown as KObject],
    ['unicode', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ü', annotations: { 'a/☃': '\u2028\ud83d\ude00' } } }],
  ];
  for (const [name, obj] of cases) {
    const value = encode(obj);
    assert.equal(storedJsonWithResourceVersion(value, 42), slow(value, 42), name);
  }
});

test('anything encode() would not have written: no splice (the caller decodes)', () => {
  for (const [name, value] of [
    ['no metadata', '{"apiVersion":"v1","kind":"X"}'],
    ['metadata not an object', '{"metadata":null}'],
    ['metadata a string', '{"metadata":"x"}'],
    ['a stored resourceVersion', '{"metadata":{"name":"a","resourceVersion":"7"}}'],
    ['not an object', '[1,2]'],
    ['whitespace', '{ "metadata": {} }'],
    ['truncated', '{"metadata":{"name":"a"'],
    ['unterminated string', '{"metadata":{"name":"a}}'],
    ['empty', ''],
  ] as const) {
    assert.equal(storedJsonWithResourceVersion(value, 1), undefined, name);
  }
  assert.equal(storedJsonWithResourceVersion('{"metadata":{}}', 'x1'), undefined, 'a resourceVersion that is not a revision');
});

test('property: for any object with metadata, splice and decode agree', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  const metaKey = fc.oneof(fc.constantFrom('name', 'namespace', 'uid', 'generation', 'creationTimestamp', 'deletionTimestamp', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields', 'generateName'), fc.string());
  const meta = fc.dictionary(metaKey, json, { maxKeys: 8 }).filter((m) => !('resourceVersion' in m));
  const obj = fc.tuple(fc.dictionary(fc.string(), json, { maxKeys: 4 }), meta, fc.dictionary(fc.string(), json, { maxKeys: 4 }));
  fc.assert(
    fc.property(obj, fc.nat(), ([before, m, after], rv) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(before)) if (k !== 'metadata') o[k] = v;
      o.metadata = m;
      for (const [k, v] of Object.entries(after)) if (k !== 'metadata') o[k] = v;
      const value = encode(o as KObject);
      assert.equal(storedJsonWithResourceVersion(value, rv), slow(value, rv));
    }),
    { numRuns: 2000 },
  );
});
