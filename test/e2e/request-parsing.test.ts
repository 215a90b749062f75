// Request lines that used to crash the whole server process before any authentication: invalid
// percent-escapes in the path (URIError) and absolute-form targets with an invalid port (TypeError
// from new URL). Each must now get a 400 Status, with or without credentials, and the server lives on.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { adminCredentials, rawRequest, type RawOptions } from '../helpers/raw-http.js';

const HOSTILE_TARGETS = ['/api/v1/namespaces/%ZZ/pods', '/api/%', '/version%ZZ', '/apis/apps/v1/namespaces/default/deployments/%E0%A4%A', 'http://a:99999/', 'https://[::1/api', '*'];

describe('hostile request targets', () => {
  let cluster: Cluster;
  let port: number;
  let admin: RawOptions;

  before(async () => {
    cluster = await startCluster({ extraArgs: ['--no-controllers'] });
    port = Number(new URL(cluster.url).port);
    admin = await adminCredentials(cluster.kubeconfig);
  });
  after(() => cluster?.stop());

  const alive = async () => {
    const r = await rawRequest(port, 'GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(r.status, 200, `server no longer answers /readyz:\n${cluster.logs().slice(-2000)}`);
  };

  for (const who of ['anonymous', 'admin'] as const) {
    for (const target of HOSTILE_TARGETS) {
      test(`${who}: GET ${target} is a 400 Status and the server lives`, async () => {
        const r = await rawRequest(port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, who === 'admin' ? admin : {});
        assert.equal(r.status, 400, r.raw);
        const status = JSON.parse(r.body);
        assert.equal(status.kind, 'Status');
        assert.equal(status.reason, 'BadRequest');
        assert.equal(status.code, 400);
        await alive();
      });
    }
  }

  test('an absolute-form request for a good URL is served by its path, as Go servers do', async () => {
    const r = await rawRequest(port, 'GET https://elsewhere.example:6443/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(r.status, 200, r.raw);
    assert.equal(JSON.parse(r.body).major, '1');
  });

  test('a limit beyond 2^53 is a 400, not a 500 from the store (found by the fuzz test)', async () => {
    for (const verb of ['GET', 'DELETE']) {
      const r = await cluster.request(verb, '/apis/batch/v1/namespaces/default/jobs?limit=9999999999999999999999');
      assert.equal(r.status, 400, r.body);
      assert.equal(r.json.reason, 'BadRequest');
    }
  });

  test('a grace period beyond 2^53 seconds is a 400, not a 500 from an invalid date', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'graceful' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } };
    assert.equal((await cluster.request('POST', '/api/v1/namespaces/default/pods', pod)).status, 201);
    const r = await cluster.request('DELETE', '/api/v1/namespaces/default/pods/graceful?gracePeriodSeconds=1e22');
    assert.equal(r.status, 400, r.body);
    const b = await cluster.request('DELETE', '/api/v1/namespaces/default/pods/graceful', { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 1e300 });
    assert.equal(b.status, 400, b.body);
    // The largest safe integer is accepted (a deletion time past the year 9999 is written as 9999-12-31).
    const max = await cluster.request('DELETE', `/api/v1/namespaces/default/pods/graceful?gracePeriodSeconds=${Number.MAX_SAFE_INTEGER}`);
    assert.ok(max.status === 200 || max.status === 202, max.body);
  });

  test('percent-encoded names that do decode still route', async () => {
    const r = await cluster.request('GET', '/api/v1/namespaces/default/configmaps/%6E%6F%70%65');
    assert.equal(r.status, 404);
    assert.equal(r.json.details.name, 'nope');
  });
});
