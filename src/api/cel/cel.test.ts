import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCel, CostBudget, type CelOutcome, prepareCel } from './index.js';
import { authorizerValue, AuthzPending, type AuthzCheck } from './index.js';
import { _nestedQuantifier } from './lib-regex.js';
import { CelReady } from './values.js';

const authorizerValueReady = (v: unknown) => new CelReady(v as never);

function evalCel(expr: string, vars: Record<string, unknown> = {}): CelOutcome {
  const c = compileCel(expr, { variables: Object.keys(vars) });
  if ('error' in c) throw new Error(`compile: ${c.error}`);
  return c.program.evaluate(vars);
}
const value = (expr: string, vars: Record<string, unknown> = {}) => {
  const r = evalCel(expr, vars);
  if ('error' in r) throw new Error(`${expr}: ${r.error}`);
  return r.value;
};
const error = (expr: string, vars: Record<string, unknown> = {}) => {
  const r = evalCel(expr, vars);
  assert.ok('error' in r, `${expr} should fail, gave ${JSON.stringify(r)}`);
  return (r as { error: string }).error;
};

test('JSON integers are CEL int, other numbers double; objects are maps with field selection; null', () => {
  const object = { spec: { replicas: 3, ratio: 0.5, tags: ['a'], nothing: null } };
  assert.equal(value('type(object.spec.replicas) == int', { object }), true);
  assert.equal(value('type(object.spec.ratio) == double', { object }), true);
  assert.equal(value('object.spec.replicas + 1', { object }), 4);
  assert.match(error('object.spec.replicas + 0.5', { object }), /no matching overload/);
  assert.equal(value('object.spec.replicas > 2.5', { object }), true, 'ordering across int and double');
  assert.equal(value('has(object.spec.ratio) && !has(object.spec.missing)', { object }), true);
  assert.equal(value('object.spec.nothing == null', { object }), true);
  assert.match(error('object.spec.missing == 1', { object }), /no such key/);
  assert.deepEqual(value("object.spec.tags + ['b']", { object }), ['a', 'b']);
  assert.deepEqual(value('{"k": object.spec.replicas}', { object }), { k: 3 });
});

test('with a schema, type: number values are double even when integral (CRD objects)', () => {
  const self = prepareCel({ ratio: 2, count: 2, items: [{ w: 1 }] }, { type: 'object', properties: { ratio: { type: 'number' }, count: { type: 'integer' }, items: { type: 'array', items: { type: 'object', properties: { w: { type: 'number' } } } } } });
  assert.equal(value('type(self.ratio) == double && type(self.count) == int && type(self.items[0].w) == double', { self }), true);
  assert.equal(value('self.ratio * 1.5', { self }), 3);
});

test('unknown variables and functions are compile errors; bad syntax too', () => {
  for (const [expr, re] of [
    ['nope == 1', /undeclared reference to 'nope'/],
    ['object.frobnicate()', /undeclared reference to 'frobnicate'/],
    ['frobnicate(1)', /undeclared reference to 'frobnicate'/],
    ['object.spec.(', /^ERROR: <input>:1:/],
  ] as const) {
    const c = compileCel(expr, { variables: ['object'] });
    assert.ok('error' in c, expr);
    assert.match((c as { error: string }).error, re);
  }
  // Comprehension variables are in scope inside the macro only.
  assert.ok('program' in compileCel('object.items.all(x, x > 0)', { variables: ['object'] }));
  assert.ok('error' in compileCel('object.items.all(x, x > 0) && x > 0', { variables: ['object'] }));
  assert.ok('error' in compileCel('x'.repeat(6000), { variables: [] }), 'too long');
});

test('lists library: isSorted, sum, min, max, indexOf, lastIndexOf', () => {
  assert.equal(value('[1, 2, 2, 3].isSorted()'), true);
  assert.equal(value("['b', 'a'].isSorted()"), false);
  assert.equal(value('[1, 2, 3].sum()'), 6);
  assert.equal(value('[1.5, 2.5].sum()'), 4);
  assert.equal(value('[].sum()'), 0);
  assert.equal(value('[3, 1, 2].min()'), 1);
  assert.equal(value("['b', 'c', 'a'].max()"), 'c');
  assert.match(error('[].min()'), /empty list/);
  assert.equal(value('[1, 2, 1].indexOf(1)'), 0);
  assert.equal(value('[1, 2, 1].lastIndexOf(1)'), 2);
  assert.equal(value('[1, 2].indexOf(9)'), -1);
});

test('sets extension (quadratic work charged up front)', () => {
  assert.equal(value('sets.contains([1, 2, 3], [3, 1])'), true);
  assert.equal(value('sets.contains([1, 2], [4])'), false);
  assert.equal(value('sets.equivalent([1, 2, 2], [2, 1])'), true);
  assert.equal(value("sets.intersects(['a', 'b'], ['c', 'b'])"), true);
  const big = Array.from({ length: 2000 }, (_, i) => i);
  const r = evalCel('sets.contains(l, l)', { l: big });
  assert.ok('error' in r && r.costExceeded, '2000 x 2000 comparisons exceed the limit');
});

test('regex library: find, findAll (RE2 syntax; exponential patterns refused)', () => {
  assert.equal(value("'abc 123 def 456'.find('[0-9]+')"), '123');
  assert.equal(value("'abc'.find('[0-9]+')"), '');
  assert.deepEqual(value("'abc 123 def 456'.findAll('[0-9]+')"), ['123', '456']);
  assert.deepEqual(value("'a1b2c3'.findAll('[0-9]', 2)"), ['1', '2']);
  assert.equal(value("'Hello'.matches('^h')"), false);
  assert.equal(value("'Hello'.find('(?i)^h')"), 'H');
  assert.match(error("'abc'.find('(a)\\\\1')"), /invalid escape|error parsing regexp/);
  assert.match(error("'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'.find('(a+)+$')"), /quantifier inside a quantified group/);
  assert.equal(_nestedQuantifier('(a|b)*c'), false);
  assert.equal(_nestedQuantifier('(ab*)+'), true);
  assert.equal(_nestedQuantifier('[(+]*'), false);
});

test('strings extension', () => {
  assert.equal(value("'hello'.charAt(1)"), 'e');
  assert.equal(value("'hello'.indexOf('l')"), 2);
  assert.equal(value("'hello'.lastIndexOf('l')"), 3);
  assert.equal(value("'HeLLo'.lowerAscii()"), 'hello');
  assert.equal(value("'hello'.upperAscii()"), 'HELLO');
  assert.equal(value("'a-b-c'.replace('-', '+')"), 'a+b+c');
  assert.equal(value("'a-b-c'.replace('-', '+', 1)"), 'a+b-c');
  assert.deepEqual(value("'a,b,c'.split(',')"), ['a', 'b', 'c']);
  assert.equal(value("'hello'.substring(1, 3)"), 'el');
  assert.equal(value("'  x  '.trim()"), 'x');
  assert.equal(value("['a', 'b'].join('/')"), 'a/b');
  assert.equal(value("'abc'.startsWith('a') && 'abc'.endsWith('c') && 'abc'.contains('b')"), true);
});

test('url library', () => {
  assert.equal(value("url('https://example.com:8443/a/b?x=1').getScheme()"), 'https');
  assert.equal(value("url('https://example.com:8443/a/b').getHost()"), 'example.com:8443');
  assert.equal(value("url('https://[::1]:80/').getHostname()"), '::1');
  assert.equal(value("url('https://example.com:8443/').getPort()"), '8443');
  assert.equal(value("url('https://example.com/a%20b').getEscapedPath()"), '/a%20b');
  assert.deepEqual(value("url('/p?k=1&k=2&j=x').getQuery()"), { k: ['1', '2'], j: ['x'] });
  assert.equal(value("isURL('https://example.com') && !isURL('not a url')"), true);
  assert.match(error("url('relative/path')"), /URL parse error/);
});

test('quantity library: exact comparison and arithmetic', () => {
  assert.equal(value("quantity('1Gi').compareTo(quantity('1073741824'))"), 0);
  assert.equal(value("quantity('500m').isLessThan(quantity('1'))"), true);
  assert.equal(value("quantity('2').isGreaterThan(quantity('1500m'))"), true);
  assert.equal(value("quantity('1k').asInteger()"), 1000);
  assert.equal(value("quantity('1.5').isInteger()"), false);
  assert.equal(value("quantity('250m').asApproximateFloat()"), 0.25);
  assert.equal(value("quantity('-1').sign()"), -1);
  assert.equal(value("quantity('1').add(quantity('500m')) == quantity('1500m')"), true);
  assert.equal(value("quantity('1').add(2) == quantity('3')"), true);
  assert.equal(value("quantity('1').sub(quantity('1m')).asApproximateFloat()"), 0.999);
  assert.equal(value("isQuantity('1Gi') && !isQuantity('1Zi')"), true);
  assert.match(error("quantity('1.5').asInteger()"), /cannot convert/);
  assert.match(error("quantity('nope')"), /quantities must match/);
});

test('ip and cidr libraries', () => {
  assert.equal(value("ip('192.168.0.1').family()"), 4);
  assert.equal(value("ip('2001:db8::1').family()"), 6);
  assert.equal(value("ip('127.0.0.1').isLoopback() && ip('::1').isLoopback()"), true);
  assert.equal(value("ip('0.0.0.0').isUnspecified()"), true);
  assert.equal(value("ip('169.254.1.1').isLinkLocalUnicast() && ip('fe80::1').isLinkLocalUnicast()"), true);
  assert.equal(value("ip('224.0.0.1').isLinkLocalMulticast()"), true);
  assert.equal(value("ip('8.8.8.8').isGlobalUnicast() && !ip('127.0.0.1').isGlobalUnicast()"), true);
  assert.equal(value("ip.isCanonical('2001:db8::1') && !ip.isCanonical('2001:DB8::1')"), true);
  assert.equal(value("isIP('1.2.3.4') && !isIP('1.2.3') && !isIP('::ffff:1.2.3.4')"), true);
  assert.equal(value("cidr('10.0.0.0/8').containsIP(ip('10.1.2.3')) && cidr('10.0.0.0/8').containsIP('10.9.9.9')"), true);
  assert.equal(value("cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && !cidr('10.1.0.0/16').containsCIDR('10.0.0.0/8')"), true);
  assert.equal(value("string(cidr('10.1.2.3/8').masked())"), '10.0.0.0/8');
  assert.equal(value("cidr('10.1.2.3/8').prefixLength()"), 8);
  assert.equal(value("string(cidr('2001:db8::1/64').ip())"), '2001:db8::1');
  assert.equal(value("ip('10.0.0.1') == ip('10.0.0.1') && ip('10.0.0.1') != ip('10.0.0.2')"), true);
  assert.equal(value("isCIDR('10.0.0.0/33')"), false);
});

test('authz library: checks are answered by a CelAuthorizer (pending ones resolved between rounds)', () => {
  const asked: AuthzCheck[] = [];
  const auth = {
    requestResource: { group: 'apps', resource: 'deployments', namespace: 'ns', name: 'd' },
    check(c: AuthzCheck) {
      asked.push(c);
      if (c.verb === 'pending') throw new AuthzPending(c);
      return c.resource === 'secrets' ? { decision: 'deny' as const, reason: 'no secrets' } : { decision: 'allow' as const, reason: 'ok' };
    },
  };
  const authorizer = authorizerValue(auth);
  const ev = (expr: string) => {
    const c = compileCel(expr, { variables: ['authorizer'] });
    if ('error' in c) throw new Error(c.error);
    return c.program.evaluate({ authorizer: authorizerValueReady(authorizer) });
  };
  assert.equal((ev("authorizer.group('').resource('pods').namespace('ns').check('get').allowed()") as { value: boolean }).value, true);
  assert.deepEqual(asked.at(-1), { group: '', resource: 'pods', namespace: 'ns', verb: 'get', serviceAccount: undefined });
  assert.equal((ev("authorizer.group('').resource('secrets').check('get').reason()") as { value: string }).value, 'no secrets');
  assert.equal((ev("authorizer.requestResource.check('update').allowed()") as { value: boolean }).value, true);
  assert.equal((ev("authorizer.serviceAccount('kube-system', 'sa').group('apps').resource('deployments').check('create').allowed()") as { value: boolean }).value, true);
  assert.deepEqual(asked.at(-1)?.serviceAccount, { namespace: 'kube-system', name: 'sa' });
  assert.ok('error' in ev("authorizer.path('/healthz').check('pending').allowed()"));
});

test('cost: a hostile expression over a big list stops at the per-expression limit, quickly', () => {
  const items = Array.from({ length: 1000 }, (_, i) => i);
  const t = Date.now();
  const r = evalCel('object.items.all(a, object.items.all(b, object.items.all(c, a + b + c >= 0)))', { object: { items } });
  assert.ok('error' in r && r.costExceeded, JSON.stringify(r));
  assert.match((r as { error: string }).error, /cost limit exceeded/);
  assert.ok(Date.now() - t < 3000, `stopped in ${Date.now() - t}ms`);
  // || true cannot hide an exceeded limit.
  const hidden = evalCel('object.items.map(a, object.items.map(b, a)).size() > 0 || true', { object: { items } });
  assert.ok('error' in hidden && hidden.costExceeded);
  // String blow-up is charged before it happens.
  const big = 'x'.repeat(100_000);
  const blown = evalCel("s.replace('', s)", { s: big });
  assert.ok('error' in blown && blown.costExceeded, 'replace that would build a 10^10 character string');
  // A cheap expression costs little and passes.
  const ok = evalCel('object.items.size() == 1000 && object.items.all(x, x >= 0)', { object: { items } });
  assert.ok('value' in ok && ok.value === true && ok.cost < 5000, JSON.stringify(ok));
});

test('cost: a shared budget stops every later expression once spent', () => {
  const budget = new CostBudget(200);
  const c = compileCel('l.all(x, x >= 0)', { variables: ['l'] });
  assert.ok('program' in c);
  const l = Array.from({ length: 60 }, (_, i) => i);
  assert.ok('value' in c.program.evaluate({ l }, { budget }));
  const second = c.program.evaluate({ l }, { budget });
  assert.ok('error' in second && second.costExceeded);
  assert.match((second as { error: string }).error, /cost budget/);
});

test('optional types: x.?f, m[?k], chains, optional.of/none/ofNonZeroValue, hasValue/value/orValue/or, [?e], {?k: v}', () => {
  const self = { spec: { replicas: 3, labels: { app: 'web' }, items: [1, 2], empty: '' } };
  const v = (expr: string) => value(expr, { self });
  assert.equal(v('self.?spec.?replicas.orValue(1)'), 3);
  assert.equal(v('self.?spec.?missing.orValue(1)'), 1);
  assert.equal(v('self.?nothing.replicas.orValue(7)'), 7, 'a chain after .? is optional throughout');
  assert.equal(v('self.spec.?labels.app.value()'), 'web');
  assert.equal(v('self.spec.?labels.other.hasValue()'), false);
  assert.equal(v("self.spec.labels[?'app'].orValue('x')"), 'web');
  assert.equal(v("self.spec.labels[?'zzz'].orValue('x')"), 'x');
  assert.equal(v('self.spec.items[?1].value()'), 2);
  assert.equal(v('self.spec.items[?5].hasValue()'), false);
  assert.equal(v('self.?spec.items[0].value()'), 1, 'index after an optional step');
  assert.equal(v('self.?spec.items[9].hasValue()'), false);
  assert.equal(v('optional.of(1).value() + optional.none().orValue(2)'), 3);
  assert.equal(v("optional.ofNonZeroValue('').hasValue() || optional.ofNonZeroValue(0).hasValue() || optional.ofNonZeroValue([]).hasValue()"), false);
  assert.equal(v("optional.ofNonZeroValue('a').hasValue()"), true);
  assert.equal(v('optional.none().or(optional.of(4)).value()'), 4);
  assert.equal(v('optional.of(5).or(optional.of(4)).value()'), 5);
  assert.equal(v('self.?spec.?replicas == optional.of(3)'), true);
  assert.equal(v('self.?nope == optional.none()'), true);
  assert.deepEqual(v('[?self.?spec.?replicas, ?self.?nope, 0]'), [3, 0]);
  assert.deepEqual(v("{?'a': self.?spec.?replicas, ?'b': self.?nope, 'c': 1}"), { a: 3, c: 1 });
  assert.deepEqual(v('[1, 2].map(x, optional.of(x)).filter(o, o.hasValue()).map(o, o.value())'), [1, 2]);
  assert.match(error('optional.none().value()', { self }), /optional.none\(\) dereference/);
  assert.match(error("{?'a': 1}", { self }), /no such overload/);
  assert.match(error("{'a': 1, ?'a': optional.of(2)}", { self }), /repeated key/);
  assert.match(error('self.spec.replicas.?x', { self }), /no such overload/);
});
