import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attributes } from '../authz/types.js';
import { decide, ruleMatches } from './policy-checker.js';
import { parsePolicy, PolicyError, type PolicyRule } from './policy.js';

const alice = { name: 'alice', groups: ['devs', 'system:authenticated'] };
const res = (verb: string, resource: string, extra: Partial<Attributes> = {}): Attributes => ({ user: alice, verb, resourceRequest: true, apiGroup: '', apiVersion: 'v1', resource, ...extra });
const path = (p: string, verb = 'get'): Attributes => ({ user: alice, verb, resourceRequest: false, path: p });
const rule = (r: Partial<PolicyRule>): PolicyRule => ({ level: 'Metadata', ...r });

test('users, groups and verbs narrow a rule; empty lists match all', () => {
  assert.ok(ruleMatches(rule({}), res('get', 'pods')));
  assert.ok(ruleMatches(rule({}), path('/healthz')));
  assert.ok(ruleMatches(rule({ users: ['alice'] }), res('get', 'pods')));
  assert.ok(!ruleMatches(rule({ users: ['bob'] }), res('get', 'pods')));
  assert.ok(ruleMatches(rule({ userGroups: ['x', 'devs'] }), res('get', 'pods')));
  assert.ok(!ruleMatches(rule({ userGroups: ['ops'] }), res('get', 'pods')));
  assert.ok(ruleMatches(rule({ verbs: ['list', 'get'] }), res('get', 'pods')));
  assert.ok(!ruleMatches(rule({ verbs: ['create'] }), res('get', 'pods')));
});

test('resources: group, subresources, wildcards and names', () => {
  const pods = rule({ resources: [{ group: '', resources: ['pods'] }] });
  assert.ok(ruleMatches(pods, res('get', 'pods')));
  assert.ok(!ruleMatches(pods, res('get', 'pods', { subresource: 'log' })), 'pods does not cover pods/log');
  assert.ok(!ruleMatches(pods, res('get', 'deployments', { apiGroup: 'apps' })));
  assert.ok(!ruleMatches(pods, path('/api')), 'a resource rule never matches a non-resource path');
  assert.ok(ruleMatches(rule({ resources: [{ group: '', resources: ['pods/log'] }] }), res('get', 'pods', { subresource: 'log' })));
  assert.ok(ruleMatches(rule({ resources: [{ group: '', resources: ['*/status'] }] }), res('update', 'nodes', { subresource: 'status' })));
  assert.ok(!ruleMatches(rule({ resources: [{ group: '', resources: ['*/status'] }] }), res('update', 'nodes')));
  const podsAll = rule({ resources: [{ group: '', resources: ['pods/*'] }] });
  assert.ok(ruleMatches(podsAll, res('get', 'pods', { subresource: 'exec' })));
  assert.ok(ruleMatches(podsAll, res('get', 'pods')));
  assert.ok(ruleMatches(rule({ resources: [{ group: 'apps' }] }), res('get', 'deployments', { apiGroup: 'apps' })), 'a group without resources covers all of it');
  assert.ok(ruleMatches(rule({ resources: [{ group: '', resources: ['*'] }] }), res('get', 'secrets')));
  const named = rule({ resources: [{ group: '', resources: ['configmaps'], resourceNames: ['cfg'] }] });
  assert.ok(ruleMatches(named, res('get', 'configmaps', { name: 'cfg' })));
  assert.ok(!ruleMatches(named, res('get', 'configmaps', { name: 'other' })));
  assert.ok(!ruleMatches(named, res('list', 'configmaps')));
});

test('namespaces: "" is the cluster scope; non-resource URLs with a trailing *', () => {
  const ns = rule({ namespaces: ['kube-system'] });
  assert.ok(ruleMatches(ns, res('get', 'pods', { namespace: 'kube-system' })));
  assert.ok(!ruleMatches(ns, res('get', 'pods', { namespace: 'default' })));
  assert.ok(!ruleMatches(ns, path('/healthz')));
  assert.ok(ruleMatches(rule({ namespaces: [''] }), res('get', 'nodes')));
  const urls = rule({ nonResourceURLs: ['/healthz*', '/version'] });
  assert.ok(ruleMatches(urls, path('/healthz')));
  assert.ok(ruleMatches(urls, path('/healthz/etcd')));
  assert.ok(ruleMatches(urls, path('/version')));
  assert.ok(!ruleMatches(urls, path('/versions')));
  assert.ok(!ruleMatches(urls, res('get', 'pods')));
  assert.ok(ruleMatches(rule({ nonResourceURLs: ['*'] }), path('/anything')));
});

test('the first matching rule decides; omitStages and omitManagedFields merge with the policy', () => {
  const policy = parsePolicy(`
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
omitManagedFields: true
rules:
- level: None
  nonResourceURLs: [/healthz*]
- level: RequestResponse
  resources: [{group: "", resources: [configmaps]}]
  omitStages: [ResponseStarted]
  omitManagedFields: false
- level: Metadata
`);
  assert.deepEqual(decide(policy, path('/healthz')), { level: 'None', omitStages: ['RequestReceived'], omitManagedFields: true });
  assert.deepEqual(decide(policy, res('create', 'configmaps')), { level: 'RequestResponse', omitStages: ['RequestReceived', 'ResponseStarted'], omitManagedFields: false });
  assert.equal(decide(policy, res('get', 'pods')).level, 'Metadata');
  assert.equal(decide(policy, res('get', 'pods')).omitManagedFields, true);
  assert.equal(decide(parsePolicy('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n'), res('get', 'pods')).level, 'None', 'no rule: None');
});

test('bad policies are refused with the field path', () => {
  const bad = (text: string, re: RegExp) =>
    assert.throws(
      () => parsePolicy(text),
      (e: unknown) => e instanceof PolicyError && re.test(e.message),
    );
  const head = 'apiVersion: audit.k8s.io/v1\nkind: Policy\n';
  bad('kind: Policy\n', /apiVersion must be audit.k8s.io\/v1/);
  bad(`${head}rules:\n- level: Everything\n`, /rules\[0\]\.level: Unsupported value: "Everything"/);
  bad(`${head}rules:\n- level: None\n  omitStages: [Done]\n`, /rules\[0\]\.omitStages\[0\]: Unsupported value/);
  bad(`${head}rules:\n- level: None\n  nonResourceURLs: [/x]\n  resources: [{group: ""}]\n`, /both regular resources and non-resource URLs/);
  bad(`${head}rules:\n- level: None\n  nonResourceURLs: [healthz]\n`, /nonResourceURLs\[0\]/);
  bad(`${head}rules:\n- level: None\n  users: alice\n`, /rules\[0\]\.users: must be a list of strings/);
  bad(`${head}rules:\n- level: None\n  resources: [{group: "", resourceNames: [x]}]\n`, /resourceNames/);
  bad(`${head}rules:\n- level: None\n  resources: [{group: "", resources: ["p*ds"]}]\n`, /wildcards/);
  bad('[1, 2', /not valid YAML/);
});
