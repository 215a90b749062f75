import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneJson } from './clone-json.js';

test('cloneJson: a deep, independent copy of JSON values', () => {
  const cases: unknown[] = [null, 0, -1.5, 'x', true, [], {}, [1, [2, [3]]], { a: { b: [{ c: null }] }, d: '' }, { u: undefined }];
  for (const v of cases) assert.deepStrictEqual(cloneJson(v), v);
  const o = { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }] }] } };
  const c = cloneJson(o);
  c.spec.containers[0].ports[0].containerPort = 81;
  assert.equal(o.spec.containers[0].ports[0].containerPort, 80, 'the copy shares nothing');
  assert.ok('u' in (cloneJson({ u: undefined }) as object), 'undefined values are kept, as structuredClone keeps them');
});

test('cloneJson: a "__proto__" key stays data, and a polluted prototype is not copied', () => {
  const hostile = JSON.parse('{"__proto__": {"admin": true}, "a": 1}');
  const c = cloneJson(hostile) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(c), Object.prototype);
  assert.equal((c as { admin?: boolean }).admin, undefined);
  assert.deepEqual(Object.keys(c), ['__proto__', 'a']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(c, '__proto__')?.value, { admin: true });
  const proto = Object.prototype as Record<string, unknown>;
  proto.polluted = 1;
  try {
    assert.deepEqual(Object.keys(cloneJson({ a: 1 })), ['a']);
  } finally {
    delete proto.polluted;
  }
});
