import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { createCa, issueCert } from '../../cli/pki.js';
import { checkAgentIdentity } from './kubelet-client.js';

/** The shape tls hands checkServerIdentity, from a PEM. */
function peer(pem: string): PeerCertificate {
  const c = new X509Certificate(pem);
  const subject = Object.fromEntries(c.subject.split('\n').map((kv) => kv.split('=') as [string, string]));
  return { subject, subjectaltname: c.subjectAltName } as unknown as PeerCertificate;
}

test("an agent's serving certificate must name its node and cover the address dialed", async () => {
  const ca = await createCa('t');
  const embedded = peer((await issueCert(ca, { commonName: 'system:node:n1', organizations: ['system:nodes'], usage: 'server', dnsNames: ['n1', 'localhost'], ips: ['10.0.0.1', '127.0.0.1'] })).cert);
  assert.equal(checkAgentIdentity({ node: 'n1', host: '10.0.0.1', port: 1 }, embedded), undefined);
  // Node n2 pointing its address at n1's agent: n1's certificate does not name n2.
  assert.match(String(checkAgentIdentity({ node: 'n2', host: '10.0.0.1', port: 1 }, embedded)), /not for node n2/);
  // n1's own name at an address its certificate does not cover.
  assert.match(String(checkAgentIdentity({ node: 'n1', host: '10.0.0.9', port: 1 }, embedded)), /does not cover 10.0.0.9/);
  // A kubelet-serving certificate named by its subject only (IP SANs).
  const csrStyle = peer((await issueCert(ca, { commonName: 'system:node:w1', organizations: ['system:nodes'], usage: 'server', ips: ['10.0.0.2'] })).cert);
  assert.equal(checkAgentIdentity({ node: 'w1', host: '10.0.0.2', port: 1 }, csrStyle), undefined);
  // Some other server's certificate for that address.
  const other = peer((await issueCert(ca, { commonName: 'web', usage: 'server', ips: ['10.0.0.2'] })).cert);
  assert.ok(checkAgentIdentity({ node: 'w1', host: '10.0.0.2', port: 1 }, other));
});
