import { test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createCa, issueCert } from '../cli/pki.js';
import { RestClient } from './rest.js';
import { RotatingCa, RotatingCredentials } from './rotating-credentials.js';

test('a renewed client certificate is used for the next requests of every client sharing the credentials', async () => {
  const ca = await createCa();
  const server = await issueCert(ca, { commonName: 'server', usage: 'server', ips: ['127.0.0.1'] });
  const first = await issueCert(ca, { commonName: 'system:node:n', organizations: ['system:nodes'], usage: 'client' });
  const second = await issueCert(ca, { commonName: 'system:node:n-renewed', organizations: ['system:nodes'], usage: 'client' });
  const srv = https.createServer({ cert: server.cert, key: server.key, ca: ca.cert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ cn: (req.socket as TLSSocket).getPeerCertificate().subject.CN }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const creds = new RotatingCredentials(first.cert, first.key);
  const client = new RestClient({ server: url, ca: ca.cert, rotating: creds });
  // A client made from a copy of the config (as the lease client is) shares the credentials.
  const copy = new RestClient({ ...client.config });
  try {
    assert.equal((await client.request<{ cn: string }>('GET', '/')).cn, 'system:node:n');
    creds.set(second.cert, second.key);
    assert.equal((await client.request<{ cn: string }>('GET', '/')).cn, 'system:node:n-renewed');
    assert.equal((await copy.request<{ cn: string }>('GET', '/')).cn, 'system:node:n-renewed');
  } finally {
    client.close();
    copy.close();
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  }
});

test('a replaced CA bundle is used to verify the server from the next connection on, by every client sharing it', async () => {
  const oldCa = await createCa('old');
  const newCa = await createCa('new');
  let serving = await issueCert(oldCa, { commonName: 'server', usage: 'server', ips: ['127.0.0.1'] });
  const srv = https.createServer({ cert: serving.cert, key: serving.key }, (_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const trust = new RotatingCa(oldCa.cert);
  // A token client (a storage sidecar's) shares the node's bundle without its certificate.
  const client = new RestClient({ server: url, ca: oldCa.cert, token: 't', rotatingCa: trust });
  const copy = new RestClient({ ...client.config });
  try {
    assert.deepEqual(await client.request('GET', '/'), { ok: true });
    // The server switches to a certificate of the new CA: refused with the old bundle only, taken once the bundle has the new CA.
    serving = await issueCert(newCa, { commonName: 'server', usage: 'server', ips: ['127.0.0.1'] });
    srv.setSecureContext({ cert: serving.cert, key: serving.key });
    srv.closeAllConnections();
    await assert.rejects(() => client.request('GET', '/'));
    trust.set(newCa.cert + oldCa.cert);
    assert.deepEqual(await client.request('GET', '/'), { ok: true });
    assert.deepEqual(await copy.request('GET', '/'), { ok: true });
  } finally {
    client.close();
    copy.close();
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  }
});
