// Request labels as kube-apiserver reports them: upper-case reported verbs, scope, APPLY and CONNECT,
// and nothing minted from paths that name no served resource.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { parseRequestInfo } from './request-info.js';
import { plainLabels, requestLabels } from './request-metrics.js';

const served = (group: string, _version: string, resource: string) => (group === '' && resource === 'pods') || (group === 'apps' && resource === 'deployments');
const labels = (method: string, path: string, contentType?: string) => {
  const url = new URL(path, 'https://x');
  const req = { method, headers: contentType ? { 'content-type': contentType } : {} } as unknown as IncomingMessage;
  return requestLabels(req, parseRequestInfo(method, url.pathname, url.searchParams), url.searchParams, served);
};

test('verbs, scopes and versions as Kubernetes reports them', () => {
  assert.deepEqual(labels('GET', '/api/v1/pods'), { verb: 'LIST', dry_run: '', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'cluster', component: 'apiserver' });
  assert.equal(labels('GET', '/api/v1/namespaces/d/pods').scope, 'namespace');
  assert.equal(labels('GET', '/api/v1/namespaces/d/pods?watch=1').verb, 'WATCH');
  assert.equal(labels('GET', '/api/v1/namespaces/d/pods/p').scope, 'resource');
  assert.equal(labels('POST', '/apis/apps/v1/namespaces/d/deployments?dryRun=All').dry_run, 'All');
  assert.equal(labels('PATCH', '/apis/apps/v1/namespaces/d/deployments/x', 'application/apply-patch+yaml').verb, 'APPLY');
  assert.equal(labels('PATCH', '/apis/apps/v1/namespaces/d/deployments/x/scale', 'application/merge-patch+json').subresource, 'scale');
  assert.equal(labels('POST', '/api/v1/namespaces/d/pods/p/exec').verb, 'CONNECT');
  assert.equal(labels('DELETE', '/api/v1/namespaces/d/pods').verb, 'DELETECOLLECTION');
});

test('hostile paths and methods mint no series', () => {
  assert.deepEqual(labels('GET', '/api/v1/namespaces/d/nonsense123'), plainLabels('GET'));
  assert.equal(labels('GET', '/api/v1/namespaces/d/pods/p/whatever').subresource, 'other');
  assert.equal(plainLabels('BREW').verb, 'other');
});
