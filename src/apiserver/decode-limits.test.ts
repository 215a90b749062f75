import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_NESTING_DEPTH, MAX_REPORTED_DUPLICATES, scanJson, valueDepthExceeds, yamlDepthExceeds } from './decode-limits.js';

const nestedJson = (n: number) => '['.repeat(n) + ']'.repeat(n);

test('scanJson: depth up to the limit passes, one more fails, without reading the rest', () => {
  const cases: [string, boolean][] = [
    [nestedJson(MAX_NESTING_DEPTH), false],
    [nestedJson(MAX_NESTING_DEPTH + 1), true],
    [`{"a":${'{"a":'.repeat(MAX_NESTING_DEPTH)}1${'}'.repeat(MAX_NESTING_DEPTH)}}`, true],
    // Brackets inside strings are text, not nesting.
    [`{"a":"${'['.repeat(10000)}"}`, false],
    [`{"a":"\\"${'['.repeat(10000)}"}`, false],
    [nestedJson(1_000_000), true],
  ];
  for (const [text, deep] of cases) assert.equal(scanJson(text).tooDeep, deep, text.slice(0, 40));
});

test('scanJson: duplicate keys by path, escapes decoded, at most MAX_REPORTED_DUPLICATES', () => {
  const cases: [string, string[]][] = [
    ['{"a":1,"a":2}', ['a']],
    ['{"a":{"b":1,"b":2},"c":[{"d":1},{"d":1,"d":2}]}', ['a.b', 'c[1].d']],
    ['{"a\\u0062":1,"ab":2}', ['ab']],
    ['{"a":{"x":1},"b":{"x":1}}', []],
    ['[{"k":"v","k":"w"}]', ['[0].k']],
  ];
  for (const [text, dups] of cases) assert.deepEqual(scanJson(text).duplicates, dups, text);
  const many = `{${Array.from({ length: 1000 }, () => '"a":1').join(',')}}`;
  assert.equal(scanJson(many).duplicates.length, MAX_REPORTED_DUPLICATES);
});

test('yamlDepthExceeds: flow, block and compact nesting are bounded; real documents pass', () => {
  const deepBlockMap = Array.from({ length: 600 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
  const cases: [string, string, boolean][] = [
    ['flow at the limit', `a: ${'['.repeat(MAX_NESTING_DEPTH - 2)}${']'.repeat(MAX_NESTING_DEPTH - 2)}`, false],
    ['flow too deep', `a: ${'['.repeat(100000)}`, true],
    ['flow maps too deep', `a: ${'{a: '.repeat(3000)}1${'}'.repeat(3000)}`, true],
    ['compact sequences', `- ${'- '.repeat(3000)}x`, true],
    ['explicit keys', `${'? '.repeat(3000)}x`, true],
    ['block maps by indentation', deepBlockMap, true],
    ['brackets in quoted and block scalars', `a: "${'['.repeat(5000)}"\nb: |\n  ${'['.repeat(5000)}\n`, false],
    ['a pod', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: {a: b}\nspec:\n  containers:\n  - name: c\n    image: i\n    ports:\n    - containerPort: 80\n      protocol: TCP\n', false],
  ];
  for (const [name, text, deep] of cases) assert.equal(yamlDepthExceeds(text), deep, name);
});

test('valueDepthExceeds: measures shared subtrees once, and a cycle is too deep', () => {
  let v: unknown = 1;
  for (let i = 0; i < MAX_NESTING_DEPTH; i++) v = [v];
  assert.equal(valueDepthExceeds(v), false);
  assert.equal(valueDepthExceeds([v]), true);
  // A DAG with 2^60 paths: visited once per node.
  let dag: unknown = { leaf: true };
  for (let i = 0; i < 60; i++) dag = [dag, dag];
  assert.equal(valueDepthExceeds(dag), false);
  const cyc: unknown[] = [];
  cyc.push(cyc);
  assert.equal(valueDepthExceeds(cyc), true);
  assert.equal(valueDepthExceeds('scalar'), false);
});
