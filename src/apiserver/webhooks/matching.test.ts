import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileWebhook, evaluateMatchConditions, exemptFromWebhooks, objectSelectorMatches, type RequestAttributes, ruleMatches, rulesMatch } from './matching.js';

const attrs = (o: Partial<RequestAttributes> = {}): RequestAttributes => ({ operation: 'CREATE', group: '', version: 'v1', resource: 'pods', subresource: '', namespaced: true, namespace: 'default', ...o });
const rule = (o: Record<string, unknown> = {}) => ({ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: '*', ...o });

test('rules: operations, groups, versions and wildcards', () => {
  assert.ok(ruleMatches(rule(), attrs()));
  assert.ok(!ruleMatches(rule(), attrs({ operation: 'UPDATE' })));
  assert.ok(ruleMatches(rule({ operations: ['*'] }), attrs({ operation: 'DELETE' })));
  assert.ok(!ruleMatches(rule(), attrs({ group: 'apps', resource: 'deployments' })));
  assert.ok(ruleMatches(rule({ apiGroups: ['*'], resources: ['*'] }), attrs({ group: 'apps', resource: 'deployments' })));
  assert.ok(!ruleMatches(rule({ apiVersions: ['v2'] }), attrs()));
  assert.ok(ruleMatches(rule({ apiVersions: ['*'] }), attrs()));
});

test('rules: subresources', () => {
  const status = attrs({ subresource: 'status', operation: 'UPDATE' });
  const r = (resources: string[]) => rule({ operations: ['UPDATE'], resources });
  assert.ok(!ruleMatches(r(['pods']), status), 'the main resource does not cover its subresources');
  assert.ok(!ruleMatches(r(['*']), status), '* covers no subresources');
  assert.ok(ruleMatches(r(['pods/status']), status));
  assert.ok(ruleMatches(r(['*/status']), status));
  assert.ok(ruleMatches(r(['pods/*']), status));
  assert.ok(ruleMatches(r(['*/*']), status));
  assert.ok(!ruleMatches(r(['pods/status']), attrs({ operation: 'UPDATE' })));
  assert.ok(ruleMatches(r(['*/*']), attrs({ operation: 'UPDATE' })));
  assert.ok(!ruleMatches(r(['*/scale']), status));
});

test('rules: scope', () => {
  assert.ok(!ruleMatches(rule({ scope: 'Cluster' }), attrs()));
  assert.ok(ruleMatches(rule({ scope: 'Namespaced' }), attrs()));
  const ns = attrs({ resource: 'namespaces', namespaced: false, namespace: '' });
  assert.ok(ruleMatches(rule({ resources: ['namespaces'], scope: 'Cluster' }), ns));
  assert.ok(!ruleMatches(rule({ resources: ['namespaces'], scope: 'Namespaced' }), ns));
});

test('compiled webhooks: defaults for what is missing, any rule matches', () => {
  const w = compileWebhook('cfg', { name: 'a.b.c', rules: [rule({ resources: ['configmaps'] }), rule()], clientConfig: { url: 'https://127.0.0.1/' } });
  assert.equal(w.failurePolicy, 'Fail');
  assert.equal(w.matchPolicy, 'Equivalent');
  assert.equal(w.timeoutSeconds, 10);
  assert.ok(rulesMatch(w, attrs()));
  assert.ok(!rulesMatch(compileWebhook('cfg', { name: 'x', rules: [] }), attrs()));
});

test('objectSelector: the new or the old object', () => {
  const w = compileWebhook('cfg', { name: 'a.b.c', objectSelector: { matchLabels: { team: 'a' } } });
  const labelled = { metadata: { labels: { team: 'a' } } };
  assert.ok(objectSelectorMatches(w, labelled, undefined));
  assert.ok(objectSelectorMatches(w, { metadata: {} }, labelled));
  assert.ok(!objectSelectorMatches(w, { metadata: {} }, undefined));
  assert.ok(objectSelectorMatches(compileWebhook('cfg', { name: 'x' }), { metadata: {} }, undefined), 'an empty selector matches all');
  const notIn = compileWebhook('cfg', { name: 'x', objectSelector: { matchExpressions: [{ key: 'skip', operator: 'DoesNotExist' }] } });
  assert.ok(objectSelectorMatches(notIn, { metadata: {} }, undefined));
  assert.ok(!objectSelectorMatches(notIn, { metadata: { labels: { skip: '' } } }, undefined));
});

test('matchConditions: all true match, one false skips, errors reported', () => {
  const w = (exprs: string[]) => compileWebhook('cfg', { name: 'x', matchConditions: exprs.map((expression, i) => ({ name: `c${i}`, expression })) });
  const vars = { object: { metadata: { name: 'web', labels: { app: 'web' } } }, oldObject: null, request: { operation: 'CREATE' }, authorizer: {} };
  assert.deepEqual(evaluateMatchConditions(w(["request.operation == 'CREATE'", "object.metadata.name == 'web'"]), vars), { match: true });
  assert.deepEqual(evaluateMatchConditions(w(["request.operation == 'UPDATE'", 'object.nope.x == 1']), vars), { match: false });
  assert.ok('error' in evaluateMatchConditions(w(['object.nope.x == 1']), vars));
  assert.ok('error' in evaluateMatchConditions(w(['1 +']), vars), 'a condition that does not compile is an error');
  assert.ok('error' in evaluateMatchConditions(w(["'not a bool'"]), vars));
});

test('webhook configurations themselves are never sent to webhooks', () => {
  assert.ok(exemptFromWebhooks('admissionregistration.k8s.io', 'validatingwebhookconfigurations'));
  assert.ok(!exemptFromWebhooks('', 'pods'));
});
