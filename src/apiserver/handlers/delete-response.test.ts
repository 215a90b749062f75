import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KindDef, KObject } from '../../api/kind.js';
import { deleteResponse, deletedList } from './delete-response.js';

const def = (group: string, plural: string, kind: string) => ({ group, plural, kind, version: 'v1' }) as KindDef;
const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default', uid: 'u1' } } as KObject;

test('a gone object of an ordinary kind: a Success Status without code, group or empty fields', () => {
  const r = deleteResponse(def('', 'configmaps', 'ConfigMap'), obj, true, undefined);
  assert.equal(r.code, 200);
  assert.equal(JSON.stringify(r.body), '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"a","kind":"configmaps","uid":"u1"}}');
  const apps = deleteResponse(def('apps', 'deployments', 'Deployment'), obj, true, undefined);
  assert.deepEqual((apps.body as { details: unknown }).details, { name: 'a', group: 'apps', kind: 'deployments', uid: 'u1' });
});

test('pods, services, service accounts and namespaces answer with the object; not gone is the object too', () => {
  for (const p of ['pods', 'services', 'serviceaccounts', 'namespaces']) assert.equal(deleteResponse(def('', p, 'X'), obj, true, undefined).body, obj);
  assert.equal(deleteResponse(def('', 'configmaps', 'ConfigMap'), obj, false, undefined).body, obj);
});

test('202 only while the object stays and orphanDependents=false was asked for', () => {
  const d = def('apps', 'deployments', 'Deployment');
  assert.equal(deleteResponse(d, obj, false, false).code, 202);
  assert.equal(deleteResponse(d, obj, false, undefined).code, 200);
  assert.equal(deleteResponse(d, obj, false, true).code, 200);
  assert.equal(deleteResponse(d, obj, true, false).code, 200);
});

test('deletecollection: the list of the deleted objects', () => {
  const l = deletedList(def('apps', 'deployments', 'Deployment'), [obj], 7) as unknown as Record<string, unknown>;
  assert.deepEqual(l, { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { resourceVersion: '7' }, items: [obj] });
});
