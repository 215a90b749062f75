import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyRule } from '../../../api/kinds/rbac/types.js';
import type { Attributes } from '../types.js';
import { ruleAllows } from './rules.js';

const user = { name: 'jane', groups: ['system:authenticated'] };
const res = (verb: string, apiGroup: string, resource: string, o: Partial<Attributes> = {}): Attributes => ({ user, verb, resourceRequest: true, apiGroup, resource, ...o });
const path = (verb: string, p: string): Attributes => ({ user, verb, resourceRequest: false, path: p });

const cases: [string, PolicyRule, Attributes, boolean][] = [
  ['exact verb, group, resource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', '', 'pods'), true],
  ['other verb', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('list', '', 'pods'), false],
  ['other group', { verbs: ['get'], apiGroups: [''], resources: ['deployments'] }, res('get', 'apps', 'deployments'), false],
  ['verb wildcard', { verbs: ['*'], apiGroups: ['apps'], resources: ['deployments'] }, res('delete', 'apps', 'deployments'), true],
  ['group wildcard', { verbs: ['get'], apiGroups: ['*'], resources: ['deployments'] }, res('get', 'apps', 'deployments'), true],
  ['resource wildcard covers subresources', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, res('get', '', 'pods', { subresource: 'log' }), true],
  ['a resource does not cover its subresources', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', '', 'pods', { subresource: 'log' }), false],
  ['resource/subresource', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res('get', '', 'pods', { subresource: 'log' }), true],
  ['a subresource rule does not cover the resource', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res('get', '', 'pods'), false],
  ['*/scale covers any scale', { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] }, res('update', 'apps', 'deployments', { subresource: 'scale' }), true],
  ['*/scale is not */status', { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] }, res('update', 'apps', 'deployments', { subresource: 'status' }), false],
  ['*/scale is not the resource', { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] }, res('update', 'apps', 'deployments'), false],
  ['resourceNames: named', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, res('get', '', 'configmaps', { name: 'a' }), true],
  ['resourceNames: other name', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, res('get', '', 'configmaps', { name: 'b' }), false],
  ['resourceNames: list names none', { verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, res('list', '', 'configmaps'), false],
  ['no resourceNames: any name', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }, res('get', '', 'configmaps', { name: 'z' }), true],
  ['url exact', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, path('get', '/healthz'), true],
  ['url exact is not a prefix', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, path('get', '/healthz/etcd'), false],
  ['url trailing *', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, path('get', '/apis/apps/v1'), true],
  ['url trailing * needs the prefix', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, path('get', '/apis'), false],
  ['url *', { verbs: ['*'], nonResourceURLs: ['*'] }, path('post', '/anything'), true],
  ['url rule does not allow resources', { verbs: ['*'], nonResourceURLs: ['*'] }, res('get', '', 'pods'), false],
  ['resource rule does not allow urls', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, path('get', '/version'), false],
  ['url with other verb', { verbs: ['get'], nonResourceURLs: ['/version'] }, path('post', '/version'), false],
];

for (const [name, rule, attrs, want] of cases) {
  test(`rule matching: ${name}`, () => assert.equal(ruleAllows(attrs, rule), want));
}
