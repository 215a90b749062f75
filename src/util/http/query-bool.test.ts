import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codecBool, goParseBool, queryBool } from './query-bool.js';

test('the parameter codec: only 0 and false (any case) are false, every other value is true', () => {
  for (const v of ['true', 'True', 'TRUE', '1', 'yes', 'no', '', 'bogus', '2']) assert.equal(codecBool(v), true, v);
  for (const v of ['false', 'False', 'FALSE', 'fAlSe', '0']) assert.equal(codecBool(v), false, v);
});

test('queryBool: absent is undefined, a bare ?x is true, the first value counts', () => {
  assert.equal(queryBool(new URLSearchParams(''), 'watch'), undefined);
  assert.equal(queryBool(new URLSearchParams('watch'), 'watch'), true);
  assert.equal(queryBool(new URLSearchParams('watch=False&watch=true'), 'watch'), false);
  assert.equal(queryBool(new URLSearchParams('watch=True'), 'watch'), true);
});

test("Go's strconv.ParseBool: its twelve spellings, nothing else", () => {
  for (const v of ['1', 't', 'T', 'true', 'TRUE', 'True']) assert.equal(goParseBool(v), true, v);
  for (const v of ['0', 'f', 'F', 'false', 'FALSE', 'False']) assert.equal(goParseBool(v), false, v);
  for (const v of ['', 'yes', 'tRUE', 'on', ' true']) assert.equal(goParseBool(v), undefined, v);
});
