import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from './request-info.js';

const p = (m: string, path: string) => {
  const u = new URL(path, 'https://x');
  return parseRequestInfo(m, u.pathname, u.searchParams);
};

test('core namespaced resources', () => {
  assert.deepEqual(p('GET', '/api/v1/namespaces/default/pods'), { kind: 'resource', group: '', version: 'v1', namespace: 'default', resource: 'pods', name: undefined, subresource: undefined, verb: 'list' });
  assert.deepEqual(p('GET', '/api/v1/namespaces/default/pods/web/log'), { kind: 'resource', group: '', version: 'v1', namespace: 'default', resource: 'pods', name: 'web', subresource: 'log', verb: 'get' });
  assert.equal((p('GET', '/api/v1/namespaces/default/pods?watch=1') as any).verb, 'watch');
  assert.equal((p('DELETE', '/api/v1/namespaces/default/pods') as any).verb, 'deletecollection');
});

test('namespaces themselves are cluster scoped', () => {
  assert.deepEqual(p('GET', '/api/v1/namespaces/kube-system'), { kind: 'resource', group: '', version: 'v1', namespace: undefined, resource: 'namespaces', name: 'kube-system', subresource: undefined, verb: 'get' });
  assert.equal((p('GET', '/api/v1/namespaces') as any).verb, 'list');
});

test('namespace subresources are namespaced paths of a resource named like the subresource', () => {
  // /api/v1/namespaces/x/finalize parses as resource "finalize" in namespace x; the router maps it back.
  const r = p('PUT', '/api/v1/namespaces/x/finalize') as any;
  assert.equal(r.namespace, 'x');
  assert.equal(r.resource, 'finalize');
});

test('groups and cluster-scoped', () => {
  assert.deepEqual(p('PATCH', '/apis/apps/v1/namespaces/a/deployments/d/scale'), { kind: 'resource', group: 'apps', version: 'v1', namespace: 'a', resource: 'deployments', name: 'd', subresource: 'scale', verb: 'patch' });
  assert.deepEqual(p('GET', '/api/v1/nodes/n1'), { kind: 'resource', group: '', version: 'v1', namespace: undefined, resource: 'nodes', name: 'n1', subresource: undefined, verb: 'get' });
  assert.deepEqual(p('GET', '/apis'), { kind: 'other', path: '/apis' });
  assert.deepEqual(p('GET', '/apis/apps/v1'), { kind: 'other', path: '/apis/apps/v1' });
});

test('a proxy subresource keeps the path after it; other subresources take none', () => {
  assert.deepEqual(p('GET', '/api/v1/nodes/n1/proxy/metrics/resource'), { kind: 'resource', group: '', version: 'v1', namespace: undefined, resource: 'nodes', name: 'n1', subresource: 'proxy', subpath: '/metrics/resource', verb: 'get' });
  assert.equal((p('GET', '/api/v1/nodes/n1/proxy') as any).subpath, '/');
  assert.equal(p('GET', '/api/v1/namespaces/a/pods/web/log/extra').kind, 'other');
});
