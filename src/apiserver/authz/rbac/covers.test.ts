import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from '../../../api/kinds/rbac/types.js';
import { compactRules, ruleString, TooManyPermissions, uncovered } from './covers.js';

const r = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({ verbs, apiGroups, resources, ...(resourceNames ? { resourceNames } : {}) });

const cases: [string, PolicyRule[], PolicyRule[], string[]][] = [
  ['exact', [r(['get', 'list'], [''], ['pods'])], [r(['get'], [''], ['pods'])], []],
  ['missing verb', [r(['get'], [''], ['pods'])], [r(['get', 'delete'], [''], ['pods'])], ['{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}']],
  ['wildcards cover all', [r(['*'], ['*'], ['*'])], [r(['get', 'escalate'], ['x', 'y'], ['a', 'b/c'], ['n'])], []],
  ['*/scale covers x/scale', [r(['update'], ['apps'], ['*/scale'])], [r(['update'], ['apps'], ['deployments/scale'])], []],
  ['*/scale does not cover x', [r(['update'], ['apps'], ['*/scale'])], [r(['update'], ['apps'], ['deployments'])], ['{APIGroups:["apps"], Resources:["deployments"], Verbs:["update"]}']],
  ['names held cover those names', [r(['get'], [''], ['secrets'], ['a', 'b'])], [r(['get'], [''], ['secrets'], ['a'])], []],
  ['names held do not cover all names', [r(['get'], [''], ['secrets'], ['a'])], [r(['get'], [''], ['secrets'])], ['{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}']],
  ['url prefix covers', [{ verbs: ['get'], nonResourceURLs: ['/logs/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/logs/a', '/logs/*'] }], []],
  ['url not held', [{ verbs: ['get'], nonResourceURLs: ['/version'] }], [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }], ['{NonResourceURLs:["/metrics"], Verbs:["get"]}']],
  ['split across owner rules', [r(['get'], [''], ['pods']), r(['list'], [''], ['pods'])], [r(['get', 'list'], [''], ['pods'])], []],
];

for (const [name, owner, servant, want] of cases) {
  test(`covers: ${name}`, () => assert.deepEqual(compactRules(uncovered(owner, servant)).map(ruleString), want));
}

test('missing permissions are compacted by group and resource', () => {
  const missing = uncovered([], [r(['get', 'list'], ['', 'apps'], ['pods'])]);
  assert.equal(missing.length, 4);
  assert.deepEqual(compactRules(missing).map(ruleString), ['{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}', '{APIGroups:["apps"], Resources:["pods"], Verbs:["get" "list"]}']);
});

test('a rule covered whole is not broken down; a huge uncovered one is refused, not computed', () => {
  const many = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}`);
  const huge = r(many('v', 100), many('g', 100), many('r', 100), many('n', 100));
  assert.deepEqual(uncovered([r(['*'], ['*'], ['*'])], [huge]), []);
  const started = performance.now();
  assert.throws(() => uncovered([r(['get'], [''], ['pods'])], [huge]), TooManyPermissions);
  assert.ok(performance.now() - started < 100, 'refused at once');
});
