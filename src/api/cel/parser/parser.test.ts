import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '@bufbuild/cel';
import fc from 'fast-check';
import { CelSyntaxError, formatSyntaxError, MAX_RECURSION, parseCel } from './parser.js';

/** The AST without ids (the two parsers number nodes differently) and with macro records dropped. */
function shape(e: unknown): unknown {
  if (Array.isArray(e)) return e.map(shape);
  if (e instanceof Uint8Array) return Array.from(e);
  if (e && typeof e === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e)) {
      if (k === 'id' || k === '$typeName') continue;
      if (k === 'target' && v === undefined) continue;
      o[k] = shape(v);
    }
    return o;
  }
  return e;
}

// Expressions in the shapes CRDs and policies use: every one must parse to the same AST as
// @bufbuild/cel's parser gives (which is what the planner was built for).
const CORPUS = [
  'self.replicas <= self.maxReplicas',
  "self.minReplicas <= self.replicas && self.replicas <= self.maxReplicas || self.x == 'a'",
  'a || b || c || d || e',
  'a && b && c && d && e && f && g',
  '!a && !!b',
  '-x + --y - 3',
  '-1 + 2 * 3 / 4 % 5',
  '-9223372036854775808',
  '9223372036854775807',
  '1u + 0x10 + 0xFFu',
  '1.5 + .5 + 1e3 + 2.5E-3 + 1.0',
  '1.size()',
  '\'single\' + "double" + \'\'\'triple\nline\'\'\' + """tri"""',
  "r'raw\\n' + R\"raw\" + '\\n\\t\\\\\\'' + '\\x41\\u00e9\\U0001F600\\101'",
  "b'bytes' + B'\\xff\\001' + bR'x' + br'y'",
  'a ? b : c ? d : e',
  'x in [1, 2, 3]',
  "x in {'a': 1, 'b': 2}",
  'has(self.spec) && has(self.spec.x)',
  'self.items.all(i, i.size() > 0)',
  'self.items.exists(i, i == 1)',
  'self.items.exists_one(i, i == 1)',
  'self.items.map(i, i * 2)',
  'self.items.map(i, i > 0, i * 2)',
  'self.items.filter(i, i > 0)',
  'self.items.all(i, self.items.exists(j, j == i))',
  'object.metadata.labels["app"] == "x"',
  'a[0][1].b[c]',
  'f(a, b)(c)'.slice(0, 7),
  'size(self) < 10 && self.size() < 10',
  'type(self) == int && int(self.x) == 3 && string(1) == "1"',
  'sets.contains([1], [1])',
  "quantity('1Gi').isGreaterThan(quantity('1Mi'))",
  "url('https://x').getHost()",
  '[1, 2, 3,]',
  "{'a': 1,}",
  '[]',
  '{}',
  'null == self.x',
  'true != false',
  'self.x < 1 && self.y <= 2 && self.z > 3 && self.w >= 4',
  "self.name.matches('^[a-z]+$')",
  'oldSelf == self',
  '(a + b) * c',
  '((((a))))',
  'a.b.c.d.e.f',
  'x // a comment\n + 1',
  'request.userInfo.username.startsWith("system:")',
  "authorizer.group('apps').resource('deployments').namespace('ns').check('get').allowed()",
  'variables.foo.bar && params.spec.x',
  '[a, [b, [c]]]',
  "{'a': {'b': [1]}}",
  '"\\u0000\\a\\b\\f\\v\\?\\`"',
];

test('parses the corpus to the same AST as @bufbuild/cel', () => {
  for (const src of CORPUS) {
    const ours = parseCel(src).parsed.expr;
    const theirs = parse(src).expr;
    assert.deepEqual(shape(ours), shape(theirs), src);
  }
});

test('optional syntax: x.?f, m[?k], [?e], {?k: v}, T{?f: v}', () => {
  const call = (src: string) => {
    const e = parseCel(src).parsed.expr;
    assert.equal(e.exprKind.case, 'callExpr', src);
    return e.exprKind.value as { function: string; args: unknown[] };
  };
  assert.equal(call('self.?spec').function, '_?._');
  assert.equal(call('self.?spec.orValue(1)').function, 'orValue');
  assert.equal(call("self.labels[?'a']").function, '_[?_]');
  const list = parseCel('[?a, b]').parsed.expr;
  assert.equal(list.exprKind.case, 'listExpr');
  assert.deepEqual(list.exprKind.case === 'listExpr' && list.exprKind.value.optionalIndices, [0]);
  const map = parseCel("{?'a': x, 'b': y}").parsed.expr;
  assert.ok(map.exprKind.case === 'structExpr' && map.exprKind.value.entries[0].optionalEntry && !map.exprKind.value.entries[1].optionalEntry);
  const msg = parseCel('pkg.Msg{?f: x}').parsed.expr;
  assert.ok(msg.exprKind.case === 'structExpr' && msg.exprKind.value.messageName === 'pkg.Msg');
  // The conditional operator is not confused with an optional step.
  assert.equal(call('a ? b.c : d').function, '_?_:_');
});

test('syntax errors say where, as cel-go does', () => {
  for (const [src, re] of [
    ['self.', /^ERROR: <input>:1:6: Syntax error: mismatched input <EOF> expecting IDENTIFIER/],
    ['a +', /^ERROR: <input>:1:4: Syntax error/],
    ['(a', /^ERROR: <input>:1:3: Syntax error: mismatched input <EOF> expecting '\)'/],
    ['a b', /^ERROR: <input>:1:3: Syntax error: mismatched input 'b' expecting <EOF>/],
    ['a\n  + )', /^ERROR: <input>:2:5: /],
    ["'unterminated", /^ERROR: <input>:1:1: Syntax error: token recognition error/],
    ["'a\nb'", /token recognition error/],
    ['a = b', /token recognition error at: '= '/],
    ['#', /token recognition error at: '#'/],
    ['9223372036854775808', /invalid int literal/],
    ['18446744073709551616u', /invalid uint literal/],
    ["'\\q'", /token recognition error/],
    ["'\\ud800'", /invalid unicode code point/],
    ['has(a)', /invalid argument to has\(\) macro/],
    ['x.all(1, true)', /simple identifier/],
    ['if', /reserved identifier: if/],
    ['a.?1', /expecting IDENTIFIER/],
    ["rb'x'", /mismatched input/],
  ] as const) {
    try {
      parseCel(src);
      assert.fail(`${JSON.stringify(src)} should not parse`);
    } catch (e) {
      assert.ok(e instanceof CelSyntaxError, `${src}: ${e}`);
      assert.match(formatSyntaxError(src, e), re, src);
    }
  }
});

test('nesting is bounded (cel-go recursion limit), long flat chains are not deep', () => {
  assert.throws(() => parseCel(`${'('.repeat(MAX_RECURSION + 5)}1${')'.repeat(MAX_RECURSION + 5)}`), /recursion limit/);
  assert.throws(() => parseCel(`${'['.repeat(1000)}`), /recursion limit/);
  assert.doesNotThrow(() => parseCel(`${'('.repeat(100)}1${')'.repeat(100)}`));
  // 1000 conjuncts make a balanced tree (depth ~10), as cel-go balances && and ||.
  let e = parseCel(Array(1000).fill('a').join(' && ')).parsed.expr;
  let depth = 0;
  while (e.exprKind.case === 'callExpr') {
    e = e.exprKind.value.args[0];
    depth++;
  }
  assert.ok(depth <= 11, `depth ${depth}`);
});

test('fuzz: any text either parses or fails with a CelSyntaxError, never anything else', () => {
  const alphabet = fc.constantFrom(...'ab1._?:[]{}()!-+*/%<>=&|,\'"\\ \nrxu0in'.split(''), 'self', '.?', '[?', 'has(', '.all(', "'''", '0x', 'e5');
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 60 }), (parts) => {
      const src = parts.join('');
      try {
        parseCel(src);
      } catch (e) {
        if (!(e instanceof CelSyntaxError)) throw e;
        assert.match(formatSyntaxError(src, e), /^ERROR: <input>:\d+:\d+: /);
      }
    }),
    { numRuns: 3000 },
  );
});
