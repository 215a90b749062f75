// The agent's port taking a new client CA bundle (a CA rotation, setClientCA): a certificate of the
// new CA is accepted from then on, also by a client that kept alive a connection refused before
// (its handshake is not made again, so that connection is cut).

import assert from 'node:assert/strict';
import https from 'node:https';
import { test } from 'node:test';
import { createCa, issueCert } from '../../cli/pki.js';
import { logger } from '../../util/log.js';
import { StreamAuth } from './auth.js';
import { startStreamServer } from './server.js';
import { StreamTargetError, type StreamTarget } from './target.js';

const refuse = async (): Promise<never> => {
  throw new StreamTargetError(404, 'no such pod (stub)');
};
const stubTarget: StreamTarget = { logs: refuse, exec: refuse, attach: refuse, portForward: refuse };

test('setClientCA: a client certificate of the new CA is accepted from the next request on, even over a kept-alive connection', async () => {
  const oldCa = await createCa('old');
  const newCa = await createCa('new');
  const serving = await issueCert(oldCa, { commonName: 'node', usage: 'server', ips: ['127.0.0.1'] });
  const apiserver = await issueCert(newCa, { commonName: 'apiserver', usage: 'client' });
  const server = await startStreamServer({ host: '127.0.0.1', port: 0, tls: { cert: serving.cert, key: serving.key, clientCA: oldCa.cert }, target: stubTarget, auth: new StreamAuth({ nodeName: 'node', certUsers: ['apiserver'] }), log: logger('test-streams') });
  const agent = new https.Agent({ ca: oldCa.cert, cert: apiserver.cert, key: apiserver.key, keepAlive: true, maxSockets: 1 });
  const status = () =>
    new Promise<number>((resolve, reject) => {
      const req = https.get(`https://127.0.0.1:${server.port}/containerLogs/ns/p/c`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
  try {
    assert.equal(await status(), 401);
    server.setClientCA(newCa.cert + oldCa.cert);
    // The cut reaches the client (as it does before an API server's next request, a moment later).
    await new Promise((r) => setTimeout(r, 100));
    // The stub answers 404 once the caller is authenticated and authorized.
    assert.equal(await status(), 404);
  } finally {
    agent.destroy();
    await server.close();
  }
});
