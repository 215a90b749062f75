import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { outputFormatOf, renderListing, renderTable } from './output-format.js';
import { UsageError } from './args.js';

test('-o: table by default, json or yaml; anything else a usage error naming the choices', () => {
  assert.equal(outputFormatOf(undefined, 'gifee x'), 'table');
  for (const f of ['table', 'json', 'yaml'] as const) assert.equal(outputFormatOf(f, 'gifee x'), f);
  for (const bad of ['wide', 'JSON', '', true, 'yaml '])
    assert.throws(
      () => outputFormatOf(bad, 'gifee x'),
      (e: Error) => e instanceof UsageError && e.message.startsWith('gifee x: -o must be table, json or yaml'),
      String(bad),
    );
});

test('tables (snapshot): columns as wide as their widest cell plus 3, last column unpadded, no trailing spaces', () => {
  assert.equal(
    renderTable(
      ['ID', 'TTL', 'DESCRIPTION'],
      [
        ['abcdef', '23h59m', 'for e2e'],
        ['x', '<forever>', ''],
      ],
    ),
    'ID       TTL         DESCRIPTION\nabcdef   23h59m      for e2e\nx        <forever>\n',
  );
  assert.equal(renderTable(['A', 'B'], []), 'A   B\n');
});

test('listings: the same items as a table, as JSON and as YAML ({kind, items}, also when empty)', () => {
  const items = [{ id: 'a', refs: ['r1', 'r2'] }];
  const cols = (i: (typeof items)[0]) => i.refs.map((r) => [r, i.id]);
  assert.equal(renderListing('table', 'L', items, ['REF', 'ID'], cols), 'REF   ID\nr1    a\nr2    a\n');
  assert.deepEqual(JSON.parse(renderListing('json', 'L', items, ['REF', 'ID'], cols)), { kind: 'L', items });
  assert.deepEqual(parse(renderListing('yaml', 'L', items, ['REF', 'ID'], cols)), { kind: 'L', items });
  assert.deepEqual(JSON.parse(renderListing('json', 'L', [], ['REF'], () => [])), { kind: 'L', items: [] });
});
