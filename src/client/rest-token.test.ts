// A client's bearer token can be replaced while it runs (the storage sidecars refresh theirs): the
// next request carries the new one. The client keeps a copy of the config it was made with, so the
// token must be set on client.config, not on that original object.

import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { createCa, issueCert } from '../cli/pki.js';
import { R } from './resources.js';
import { RestClient } from './rest.js';

let server: https.Server;
let url = '';
let ca: { cert: string; key: string };
const seen: (string | undefined)[] = [];

before(async () => {
  ca = await createCa('token-test-ca');
  const tls = await issueCert(ca, { commonName: 'apiserver', usage: 'server', dnsNames: ['localhost'], ips: ['127.0.0.1'] });
  server = https.createServer(tls, (req, res) => {
    seen.push(req.headers.authorization);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'x', resourceVersion: '1' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(() => server.close());

it('a token set on client.config is sent with the next request', async () => {
  const client = new RestClient({ server: url, ca: ca.cert, token: 'first' });
  await client.get(R.configmaps, 'default', 'x');
  client.config.token = 'second';
  await client.get(R.configmaps, 'default', 'x');
  client.close();
  assert.deepEqual(seen, ['Bearer first', 'Bearer second']);
});
