import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configMapKeyErrors, validateDataKeys } from './data-keys.js';

test('ConfigMap and Secret keys: file-name characters, not ".", "..", nor starting with ".."', () => {
  const cases: [string, string[]][] = [
    ['a.b-c_D', []],
    ['.hidden', []],
    ['.', ["must not be '.'"]],
    ['..', ["must not be '..'"]],
    ['..data', ["must not start with '..'"]],
    ['..2026_11_30', ["must not start with '..'"]],
    ['a/b', ["a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"]],
    ['k'.repeat(254), ['must be no more than 253 characters']],
  ];
  for (const [k, want] of cases) assert.deepEqual(configMapKeyErrors(k), want, k);
  const errs = validateDataKeys({ apiVersion: 'v1', kind: 'ConfigMap', data: { '..data': 'x' }, binaryData: { ok: 'eA==' } }, 'data', 'binaryData');
  assert.deepEqual(
    errs.map((e) => [e.field, e.message]),
    [['data[..data]', `Invalid value: "..data": must not start with '..'`]],
  );
});
