import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_QUANTITY, QUANTITY_FORMAT_MESSAGE, parseQuantity, quantityProblem } from './quantity.js';

test('quantityProblem: syntax, exponents that do not fit, and amounts past int64 are refused', () => {
  const cases: [string, string | undefined][] = [
    ['100m', undefined],
    ['1Gi', undefined],
    ['2e3', undefined],
    ['0.5', undefined],
    ['9223372036854775807', undefined],
    ['8Ei', undefined],
    ['1e1000', `must be no more than ${MAX_QUANTITY}`],
    ['16Ei', `must be no more than ${MAX_QUANTITY}`],
    ['1e99999999999999999999', "unable to parse quantity's suffix"],
    ['1e-1000', undefined],
    ['abc', QUANTITY_FORMAT_MESSAGE],
    ['1..2', QUANTITY_FORMAT_MESSAGE],
    ['', QUANTITY_FORMAT_MESSAGE],
    [`${'9'.repeat(400)}`, `must be no more than ${MAX_QUANTITY}`],
  ];
  for (const [q, want] of cases) assert.equal(quantityProblem(q), want, q);
});

test('parseQuantity: units, and a long input is parsed in one pass', () => {
  assert.equal(parseQuantity('250m'), 0.25);
  assert.equal(parseQuantity('1Ki'), 1024);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(quantityProblem(`1${'0'.repeat(1_000_000)}x`), QUANTITY_FORMAT_MESSAGE);
});
