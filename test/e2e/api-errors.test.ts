// Bad input gets a Status with the right code, reason and field path, and changes nothing:
// malformed JSON/YAML, unknown fields, wrong kinds, oversize bodies, invalid names and labels,
// stale resourceVersions, missing and terminating namespaces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.js';

const cm = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' }, ...extra });

forEachBackend('API errors', (cluster) => {
  const req = (...a: Parameters<ReturnType<typeof cluster>['request']>) => cluster().request(...a);
  const countConfigMaps = async () => (await req('GET', '/api/v1/namespaces/default/configmaps')).json.items.length;

  test('malformed JSON and YAML are 400 BadRequest Status objects', async () => {
    const before = await countConfigMaps();
    const r = await req('POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion": "v1", "kind": ');
    assert.equal(r.status, 400);
    assert.equal(r.json.kind, 'Status');
    assert.equal(r.json.reason, 'BadRequest');
    assert.match(r.json.message, /not valid JSON/);
    const y = await req('POST', '/api/v1/namespaces/default/configmaps', 'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed', { 'Content-Type': 'application/yaml' });
    assert.equal(y.status, 400);
    assert.match(y.json.message, /not valid YAML/);
    assert.equal(await countConfigMaps(), before);
  });

  test('unknown fields: Strict fails with the field path, Warn warns, Ignore drops', async () => {
    const strict = await req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', cm('strict', { spec: { x: 1 } }));
    assert.equal(strict.status, 400);
    assert.match(strict.json.message, /unknown field "spec"/);
    const nested = await req('POST', '/apis/apps/v1/namespaces/default/deployments?fieldValidation=Strict', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', imagePolicy: 'x' }] } } },
    });
    assert.equal(nested.status, 400);
    assert.match(nested.json.message, /unknown field "spec\.template\.spec\.containers\[0\]\.imagePolicy"/);
    const warn = await req('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', cm('warned', { bogus: true }));
    assert.equal(warn.status, 201);
    assert.match(String(warn.headers.warning), /unknown field \\?"bogus\\?"/);
    assert.equal(warn.json.bogus, undefined);
    const kubectl = await cluster().kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndatta:\n  a: b\n', allowFail: true });
    assert.notEqual(kubectl.code, 0);
    assert.match(kubectl.stderr, /unknown field "datta"/);
  });

  test('wrong kind or apiVersion for the endpoint', async () => {
    const r = await req('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /kind/);
    const v = await req('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    assert.equal(v.status, 400);
    const nf = await req('GET', '/apis/nope.example.com/v1/things');
    assert.equal(nf.status, 404);
    assert.equal(nf.json.reason, 'NotFound');
  });

  test('oversize bodies are refused with 413', async () => {
    const big = cm('big', { data: { a: 'x'.repeat(4 * 1024 * 1024) } });
    const r = await req('POST', '/api/v1/namespaces/default/configmaps', big);
    assert.equal(r.status, 413);
    assert.equal(r.json.reason, 'RequestEntityTooLarge');
    assert.equal((await req('GET', '/api/v1/namespaces/default/configmaps/big')).status, 404);
  });

  test('invalid names and labels are 422 Invalid with field causes', async () => {
    const r = await req('POST', '/api/v1/namespaces/default/configmaps', cm('Bad_Name'));
    assert.equal(r.status, 422);
    assert.equal(r.json.reason, 'Invalid');
    assert.equal(r.json.details.causes[0].field, 'metadata.name');
    assert.match(r.json.message, /ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name"/);
    const l = await req('POST', '/api/v1/namespaces/default/configmaps', { ...cm('labels'), metadata: { name: 'labels', labels: { 'bad key!': 'v', ok: 'bad value!' } } });
    assert.equal(l.status, 422);
    const fields = l.json.details.causes.map((c: any) => c.field).sort();
    assert.deepEqual(fields, ['metadata.labels', 'metadata.labels']);
    const noName = await req('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} });
    assert.equal(noName.status, 422);
    assert.match(noName.json.message, /name or generateName is required/);
    const kubectl = await cluster().kubectl(['create', 'configmap', 'UPPER', '--from-literal=a=b'], { allowFail: true });
    assert.notEqual(kubectl.code, 0);
    assert.match(kubectl.stderr, /is invalid: metadata\.name/);
  });

  test('optimistic concurrency: a stale resourceVersion is 409 Conflict', async () => {
    const created = await req('POST', '/api/v1/namespaces/default/configmaps', cm('occ'));
    assert.equal(created.status, 201);
    const obj = created.json;
    const first = await req('PUT', '/api/v1/namespaces/default/configmaps/occ', { ...obj, data: { a: 'first' } });
    assert.equal(first.status, 200);
    assert.notEqual(first.json.metadata.resourceVersion, obj.metadata.resourceVersion);
    const stale = await req('PUT', '/api/v1/namespaces/default/configmaps/occ', { ...obj, data: { a: 'second' } });
    assert.equal(stale.status, 409);
    assert.equal(stale.json.reason, 'Conflict');
    assert.match(stale.json.message, /the object has been modified/);
    assert.equal((await req('GET', '/api/v1/namespaces/default/configmaps/occ')).json.data.a, 'first');
    const dup = await req('POST', '/api/v1/namespaces/default/configmaps', cm('occ'));
    assert.equal(dup.status, 409);
    assert.equal(dup.json.reason, 'AlreadyExists');
  });

  test('missing namespace is 404; terminating namespace refuses creates', async () => {
    const r = await req('POST', '/api/v1/namespaces/nope/configmaps', cm('x'));
    assert.equal(r.status, 404);
    assert.match(r.json.message, /namespaces "nope" not found/);
    await req('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'held' } });
    await req('POST', '/api/v1/namespaces/held/configmaps', { ...cm('pinned'), metadata: { name: 'pinned', finalizers: ['example.com/hold'] } });
    const del = await req('DELETE', '/api/v1/namespaces/held');
    assert.ok(del.status === 200 || del.status === 202);
    const ns = await req('GET', '/api/v1/namespaces/held');
    assert.equal(ns.json.status.phase, 'Terminating');
    const refused = await req('POST', '/api/v1/namespaces/held/configmaps', cm('late'));
    assert.equal(refused.status, 403);
    assert.equal(refused.json.reason, 'Forbidden');
    assert.match(refused.json.message, /because it is being terminated/);
    assert.deepEqual(refused.json.details.causes, [{ reason: 'NamespaceTerminating', message: 'namespace held is being terminated', field: 'metadata.namespace' }]);
  });

  test('requests without credentials are anonymous (403 by RBAC); a bad bearer token is 401', async () => {
    const https = await import('node:https');
    const get = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        https
          .get(cluster().url + '/api/v1/namespaces', { rejectUnauthorized: false, headers }, (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          })
          .on('error', reject);
      });
    const anonymous = await get({});
    assert.equal(anonymous.status, 403);
    assert.equal(JSON.parse(anonymous.body).message, 'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope');
    assert.equal((await get({ Authorization: 'Bearer nobody-knows-this' })).status, 401);
  });
});
