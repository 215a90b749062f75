import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBody } from './body.js';
import { ApiError } from '../api/errors.js';

const yaml = 'application/yaml';
const is400 = (re: RegExp) => (e: unknown) => e instanceof ApiError && e.code === 400 && e.reason === 'BadRequest' && re.test(e.message);

test('too-deep JSON and YAML bodies are 400 BadRequest, before parsing', () => {
  assert.throws(() => decodeBody(Buffer.from(`{"a":${'['.repeat(100000)}${']'.repeat(100000)}}`), 'application/json'), is400(/not valid JSON: nesting depth exceeds the limit of 512/));
  assert.throws(() => decodeBody(Buffer.from(`a: ${'['.repeat(100000)}`), yaml), is400(/not valid YAML: nesting depth/));
  assert.throws(() => decodeBody(Buffer.from(`a:\n${'- '.repeat(50000)}x\n`), 'application/apply-patch+yaml'), is400(/nesting depth/));
  // JSON sent as YAML (kubectl's apply patches) takes the JSON path, with the same limit.
  assert.throws(() => decodeBody(Buffer.from(`{"a":${'['.repeat(600)}${']'.repeat(600)}}`), 'application/apply-patch+yaml'), is400(/nesting depth/));
});

test('YAML alias bombs are 400, and aliases cannot nest deeper than the limit', () => {
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++)
    levels.push(
      `${'abcdefghi'[i]}: &${'abcdefghi'[i]} [${Array(9)
        .fill(`*${'abcdefghi'[i - 1]}`)
        .join(',')}]`,
    );
  assert.throws(() => decodeBody(Buffer.from(levels.join('\n')), yaml), is400(/not valid YAML: Excessive alias count/));
  // Each anchor nests 300 levels inside the previous one: the text is shallow, the value is not.
  const a = `a: &a ${'['.repeat(300)}1${']'.repeat(300)}\nb: &b ${'['.repeat(300)}*a${']'.repeat(300)}\n`;
  assert.throws(() => decodeBody(Buffer.from(a), yaml), is400(/nesting depth/));
});

test('YAML with many keys decodes and reports duplicates by path (linear, not the library check)', () => {
  const keys = Array.from({ length: 20000 }, (_, i) => `  k${i}: v`).join('\n');
  const { value, duplicates } = decodeBody(Buffer.from(`data:\n${keys}\n  k7: again\nlist:\n- {x: 1, x: 2}\n`), yaml);
  assert.equal(Object.keys((value as { data: object }).data).length, 20000);
  assert.deepEqual(duplicates, ['data.k7', 'list[0].x']);
  // YAML flow style that is not JSON still parses as YAML.
  assert.deepEqual(decodeBody(Buffer.from('{a: b}'), yaml).value, { a: 'b' });
  assert.deepEqual(decodeBody(Buffer.from('{"a":1,"a":2}'), yaml).duplicates, ['a']);
});
