import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from '../request-info.js';
import { attributesOf } from './attributes.js';

const user = { name: 'jane', groups: [] };
const attrs = (method: string, path: string) => attributesOf(method, parseRequestInfo(method, path, new URLSearchParams()), user);

test("a namespace's own path is in that namespace, as in Kubernetes", () => {
  const a = attrs('GET', '/api/v1/namespaces/team');
  assert.equal(a.resource, 'namespaces');
  assert.equal(a.name, 'team');
  assert.equal(a.namespace, 'team');
  assert.equal(attrs('PUT', '/api/v1/namespaces/team/finalize').namespace, 'team');
  assert.equal(attrs('GET', '/api/v1/namespaces').namespace, undefined);
});

test('resource and non-resource attributes', () => {
  assert.deepEqual({ ...attrs('GET', '/apis/apps/v1/namespaces/x/deployments/web/scale'), user: undefined }, { user: undefined, verb: 'get', resourceRequest: true, apiGroup: 'apps', apiVersion: 'v1', resource: 'deployments', subresource: 'scale', namespace: 'x', name: 'web' });
  assert.deepEqual(attrs('HEAD', '/healthz'), { user, verb: 'get', resourceRequest: false, path: '/healthz' });
});
