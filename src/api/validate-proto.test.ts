import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kindSchema } from './meta.js';
import { object, str } from './schema.js';
import { pruneUnknownFields, validateAgainstSchema } from './validate.js';

test('unknown fields named like Object.prototype members are reported and pruned, never run', () => {
  const s = kindSchema('x', 'x', { spec: object({ a: str() }) });
  for (const k of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf']) {
    const o = JSON.parse(`{"spec":{"a":"x","${k}":1}}`);
    assert.deepEqual(validateAgainstSchema(s, o, { unknownFields: 'Strict' }).unknownFields, [`spec.${k}`]);
    pruneUnknownFields(s, o);
    assert.deepEqual(o, { spec: { a: 'x' } });
  }
});
