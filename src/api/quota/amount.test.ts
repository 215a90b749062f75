import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add, amountsOf, formatAmount, listOf, parseAmount, prettyPrint, releases } from './amount.js';

test('amounts: parsed exactly and printed as Quantity.String() prints them', () => {
  const cases: [string | number, string][] = [
    ['500m', '500m'],
    ['0.5', '500m'],
    [0.5, '500m'],
    ['1000m', '1'],
    ['1', '1'],
    ['1Gi', '1Gi'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['512', '512'],
    ['1.5Ki', '1536'],
    ['1e3', '1e3'],
    ['1500e-3', '1500e-3'],
    ['2k', '2k'],
    ['2000', '2k'],
    ['0', '0'],
    ['100M', '100M'],
    ['9223372036854775807', '9223372036854775807'],
    ['1n', '1n'],
  ];
  for (const [q, want] of cases) assert.equal(formatAmount(parseAmount(q)!), want, String(q));
  assert.equal(formatAmount(parseAmount(`0.${'0'.repeat(100_000)}1`)!), '1n');
  assert.equal(formatAmount(parseAmount(`${'0'.repeat(100_000)}5`)!), '5');
  for (const bad of ['abc', '1..2', '', '1x', null, {}]) assert.equal(parseAmount(bad), undefined, String(bad));
});

test('amounts: sums keep the first format and are exact', () => {
  const a = (s: string) => parseAmount(s)!;
  assert.equal(formatAmount(add(a('500m'), a('500m'))), '1');
  assert.equal(formatAmount(add(a('512Mi'), a('512Mi'))), '1Gi');
  assert.equal(formatAmount(add(a('0'), a('1Gi'))), '1Gi');
  assert.equal(formatAmount(add(a('9223372036854775806'), a('1'))), '9223372036854775807');
  assert.deepEqual(listOf(amountsOf({ pods: '2', cpu: '1500m', junk: 'x' })), { cpu: '1500m', pods: '2' });
  assert.equal(prettyPrint(amountsOf({ pods: '1', cpu: '1' })), 'cpu=1,pods=1');
});

test('releases: true only when some resource shrinks or goes (what wakes the quota controller)', () => {
  const cases: [Record<string, string>, Record<string, string>, boolean][] = [
    [{ pods: '1' }, { pods: '1' }, false],
    [{ pods: '1' }, { pods: '2' }, false],
    [{}, { pods: '1' }, false],
    [{ pods: '1' }, {}, true],
    [{ pods: '1' }, { pods: '0' }, true],
    [{ 'requests.cpu': '500m', pods: '1' }, { 'requests.cpu': '250m', pods: '2' }, true],
    [{ 'requests.storage': '1Gi' }, { 'requests.storage': '1024Mi' }, false],
  ];
  for (const [a, b, want] of cases) assert.equal(releases(amountsOf(a), amountsOf(b)), want, `${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
});
