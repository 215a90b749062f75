// Mid CA rotation, the API server reaches node agents with a kubelet-client certificate of the new CA
// while a joined agent may still trust the old CA alone (until it takes the new bundle). Sent with the
// cross-signed new CA after it (Pki.chain, as the serving certificate is), it verifies against the old
// CA: here a real TLS server trusting the old CA alone, as an agent's port does, checks what each
// client presents; the leaf alone is refused, the leaf and the chain are accepted, a chain cross-signed
// by another CA is refused.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import { type CertPair, createCa, crossSign, issueCert } from '../pki.js';

/** Whether a TLS server trusting `ca` alone (serving with a certificate of it) finds the client's certificate verified. */
async function authorizedBy(ca: CertPair, client: CertPair): Promise<boolean> {
  const serving = await issueCert(ca, { commonName: 'agent', usage: 'server', ips: ['127.0.0.1'] });
  const server = tls.createServer({ cert: serving.cert, key: serving.key, ca: ca.cert, requestCert: true, rejectUnauthorized: false });
  const seen = new Promise<boolean>((resolve) => server.once('secureConnection', (s: tls.TLSSocket) => resolve(s.authorized)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, cert: client.cert, key: client.key, rejectUnauthorized: false });
  try {
    return await seen;
  } finally {
    socket.destroy();
    server.close();
  }
}

test('a new-CA kubelet-client certificate sent with the cross-signed new CA verifies against the old CA alone', async () => {
  const oldCa = await createCa();
  const newCa = await createCa();
  const cross = await crossSign(oldCa, newCa.cert);
  const client = await issueCert(newCa, { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client' });

  assert.equal(await authorizedBy(oldCa, client), false, 'the leaf alone: the old CA did not sign it');
  assert.equal(await authorizedBy(oldCa, { cert: client.cert + cross, key: client.key }), true, 'the leaf and the cross-signed new CA');
  // A chain cross-signed by a CA the agent does not trust vouches for nothing.
  const other = await createCa();
  assert.equal(await authorizedBy(oldCa, { cert: client.cert + (await crossSign(other, newCa.cert)), key: client.key }), false);
});
