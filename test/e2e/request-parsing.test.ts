// Request lines that used to crash the whole server process before any authentication: invalid
// percent-escapes in the path (URIError) and absolute-form targets with an invalid port (TypeError
// from new URL). Each must now get a 400 Status, with or without credentials, and the server lives on.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { adminCredentials, rawRequest, type RawOptions } from '../helpers/raw-http.js';

const HOSTILE_TARGETS = [
  '/api/v1/namespaces/%ZZ/pods',
  '/api/%',
  '/version%ZZ',
  '/apis/apps/v1/namespaces/default/deployments/%E0%A4%A',
  'http://a:99999/',
  'https://[::1/api',
  '*',
];

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

  test('percent-encoded names that do decode still route', async () => {
    const r = await cluster.request('GET', '/api/v1/namespaces/default/configmaps/%6E%6F%70%65');
    assert.equal(r.status, 404);
    assert.equal(r.json.details.name, 'nope');
  });
});
