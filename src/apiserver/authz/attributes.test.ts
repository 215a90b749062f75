import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from '../request-info.js';
import { attributesOf, exactNameOf } from './attributes.js';

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

const node = { name: 'system:node:a', groups: ['system:nodes'] };

test('a list or watch by metadata.name field selector is about that object, as Kubernetes reads it', () => {
  const q = new URLSearchParams('watch=true&fieldSelector=metadata.name%3Dmy-secret');
  const a = attributesOf('GET', parseRequestInfo('GET', '/api/v1/namespaces/ns/secrets', q), node, q);
  assert.deepEqual([a.verb, a.namespace, a.name], ['watch', 'ns', 'my-secret']);
  assert.equal(exactNameOf('spec.nodeName=a,metadata.name==x'), 'x');
  for (const bad of [null, '', 'metadata.name!=x', 'metadata.namespace=x', 'metadata.name=', 'metadata.name=..', 'metadata.name=a/b', 'metadata.name=a\\,b']) assert.equal(exactNameOf(bad), undefined, String(bad));
  // A get keeps its path's name; a list without the selector has none.
  const plain = new URLSearchParams('');
  assert.equal(attributesOf('GET', parseRequestInfo('GET', '/api/v1/namespaces/ns/secrets', plain), node, plain).name, undefined);
});
