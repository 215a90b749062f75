// The agent's stream server (port 10250) against hostile clients, before and after authentication:
// request targets that used to crash the process (absolute-form with a bad port, invalid escapes)
// are 400 Status answers, silent and slow clients are cut off, and the per-address cap holds.
// The stream target is a stub that throws: these requests must never reach a container.

import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCa, issueCert } from '../../cli/pki.js';
import { logger } from '../../util/log.js';
import { startStreamServer, type StreamServer } from './server.js';
import { StreamTargetError, type StreamTarget } from './target.js';
import { StreamAuth } from './auth.js';
import { closed, connectTls, rawRequest, type RawOptions } from '../../../test/helpers/raw-http.js';

const refuse = async (): Promise<never> => {
  throw new StreamTargetError(404, 'no such pod (stub)');
};
const stubTarget: StreamTarget = { logs: refuse, exec: refuse, attach: refuse, portForward: refuse };

describe('agent stream server hardening', () => {
  let server: StreamServer;
  let client: RawOptions;

  before(async () => {
    const ca = await createCa('test-ca');
    const serving = await issueCert(ca, { commonName: 'node', usage: 'server', ips: ['127.0.0.1'] });
    const c = await issueCert(ca, { commonName: 'apiserver', usage: 'client' });
    client = { cert: c.cert, key: c.key };
    server = await startStreamServer({
      host: '127.0.0.1',
      port: 0,
      tls: { cert: serving.cert, key: serving.key, clientCA: ca.cert },
      target: stubTarget,
      auth: new StreamAuth({ nodeName: 'node', certUsers: ['apiserver'] }),
      log: logger('test-streams'),
      limits: { headerTimeoutMs: 300, bodyTimeoutMs: 600, idleTimeoutMs: 300, maxConnectionsPerIP: 3, maxConnections: 100 },
    });
  });
  after(() => server?.close());

  const healthy = async () => {
    const r = await rawRequest(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(r.body, 'ok');
  };

  for (const who of ['anonymous', 'authenticated'] as const) {
    for (const target of ['http://a:99999/', '/containerLogs/%ZZ/p/c', '/exec/ns/%/c', '*']) {
      test(`${who}: GET ${target} is a 400 Status`, async () => {
        const r = await rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, who === 'authenticated' ? client : {});
        assert.equal(r.status, 400, r.raw);
        assert.equal(JSON.parse(r.body).kind, 'Status');
        await healthy();
      });
      test(`${who}: an upgrade to ${target} is a 400 Status`, async () => {
        const r = await rawRequest(server.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`, who === 'authenticated' ? client : {});
        assert.equal(r.status, 400, r.raw);
        await healthy();
      });
    }
  }

  test('a client that sends nothing, or half a request, is cut off', { timeout: 20_000 }, async () => {
    await closed(await connectTls(server.port, { ...client, localAddress: '127.0.0.20' }));
    const s = await connectTls(server.port, { ...client, localAddress: '127.0.0.21' });
    s.write('GET /containerLogs/ns/p/c HTTP/1.1\r\nHost: x\r\n');
    await closed(s);
  });

  test('the connection over the per-address cap is refused', async () => {
    const o = { ...client, localAddress: '127.0.0.22' };
    const open = [await connectTls(server.port, o), await connectTls(server.port, o), await connectTls(server.port, o)];
    await assert.rejects(connectTls(server.port, o));
    for (const s of open) s.destroy();
    await healthy();
  });
});
