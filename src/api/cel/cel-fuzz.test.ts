// Hostile input: random expressions built from CEL's tokens never throw out of compileCel or
// evaluate, and every evaluation ends within its limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileCel } from './index.js';

const TOKENS = [
  'object',
  'self',
  '.',
  'spec',
  'items',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '+',
  '*',
  '-',
  '/',
  '%',
  '==',
  '<',
  '&&',
  '||',
  '!',
  '?',
  '1',
  '2.5',
  "'a'",
  'null',
  'true',
  'all',
  'map',
  'filter',
  'exists',
  'x',
  'y',
  'size',
  'has',
  'matches',
  "'(a+)+'",
  'find',
  'quantity',
  "'1Gi'",
  'ip',
  'cidr',
  'url',
  'sum',
  'min',
  'join',
  'split',
  'replace',
  'int',
  'string',
  'double',
  'in',
  ' ',
];

const expr = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((t) => t.join(''));
const structured = fc.constantFrom('object.items.all(x, object.items.exists(y, x == y))', 'object.items.map(x, object.items.map(y, x + y)).size()', "object.items.map(x, string(x)).join('').size()", 'object.items.filter(x, x % 2 == 0).sum()', "object.items.all(x, string(x).matches('^[0-9]+$'))");

test('random expressions: compileCel and evaluate never throw, and stay bounded', () => {
  const object = { spec: { a: 1 }, items: Array.from({ length: 300 }, (_, i) => i) };
  fc.assert(
    fc.property(fc.oneof(expr, structured, fc.string({ maxLength: 200 })), (e) => {
      const c = compileCel(e, { variables: ['object', 'self'] });
      if ('error' in c) {
        assert.equal(typeof c.error, 'string');
        return;
      }
      const t = Date.now();
      const r = c.program.evaluate({ object, self: 'x' });
      assert.ok('value' in r || typeof r.error === 'string');
      assert.ok(Date.now() - t < 2500, `${e} took ${Date.now() - t}ms`);
    }),
    { numRuns: 150 },
  );
});
