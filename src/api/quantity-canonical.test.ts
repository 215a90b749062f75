import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalQuantity, normalizeQuantities } from './quantity-canonical.js';
import type { Schema } from './schema.js';

test('canonical forms as resource.Quantity writes them', () => {
  const cases: [string, string][] = [
    ['0.5', '500m'],
    ['1', '1'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['100m', '100m'],
    ['2000m', '2'],
    ['0.1', '100m'],
    ['1e3', '1e3'],
    ['1E3', '1e3'],
    ['1500e0', '1500'],
    ['10e2', '1e3'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1.5Ki', '1536'],
    ['1.5Gi', '1536Mi'],
    ['512', '512'],
    ['0.5Ki', '512'],
    ['0.1Ki', '102400m'],
    ['128974848', '128974848'],
    ['129e6', '129e6'],
    ['129000000', '129M'],
    ['123Mi', '123Mi'],
    ['0', '0'],
    ['-0', '0'],
    ['+1', '1'],
    ['-1.5', '-1500m'],
    ['0.0000000001', '1n'],
    ['1.0000000001', '1000000001n'],
    ['.5', '500m'],
    ['5.', '5'],
    ['16318412Ki', '16318412Ki'],
  ];
  for (const [input, want] of cases) assert.equal(canonicalQuantity(input), want, input);
});

test('not quantities: undefined (validation refuses them)', () => {
  for (const s of ['', 'abc', '1.2.3', '1Ki1', '1e1000', 'Infinity', '1 ']) assert.equal(canonicalQuantity(s), undefined, s);
});

test('numbers in quantity fields become canonical strings; invalid ones keep their text for the 422', () => {
  const schema = {
    type: 'object',
    properties: { requests: { type: 'map', values: { type: 'string', format: 'quantity' } }, size: { type: 'string', format: 'quantity' }, n: { type: 'integer' } },
  } as unknown as Schema;
  const obj: Record<string, unknown> = { requests: { cpu: 0.5, memory: 1e3, gpu: 1 }, size: Number.POSITIVE_INFINITY, n: 3 };
  normalizeQuantities(schema, obj);
  assert.deepEqual(obj, { requests: { cpu: '500m', memory: '1k', gpu: '1' }, size: 'Infinity', n: 3 });
});

test('hostile quantities stay cheap and exact: huge digit runs and exponents', () => {
  const t = Date.now();
  assert.equal(canonicalQuantity(`0.${'0'.repeat(500_000)}1`), '1n');
  assert.equal(canonicalQuantity(`${'0'.repeat(500_000)}1.5`), '1500m');
  assert.equal(canonicalQuantity(`1.${'0'.repeat(500_000)}`), '1');
  assert.equal(canonicalQuantity(`1.${'3'.repeat(500_000)}`), '1333333334n');
  assert.equal(canonicalQuantity('1e-900000000000000000'), '1e-9');
  assert.equal(canonicalQuantity('0e18'), '0');
  assert.equal(canonicalQuantity('1.5e-9'), '2e-9');
  assert.ok(Date.now() - t < 2000, `took ${Date.now() - t} ms`);
});
