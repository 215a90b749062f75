import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { makeKeyAndRequest, type RequestSubject } from '../../cli/csr-client.js';
import { createCa } from '../../cli/pki.js';
import type { Csr } from '../../api/kinds/certificates/csr.js';
import { parseCertificateRequest } from '../../api/kinds/certificates/csr-request.js';
import { KUBE_APISERVER_CLIENT, KUBELET_CLIENT, KUBELET_SERVING, signerRuleViolation, validitySeconds } from './signers.js';
import { approverVerdict } from './approver.js';
import { signRequest } from './sign.js';
import { expiresAt } from './cleaner.js';

async function csrFor(signerName: string, subject: RequestSubject, usages: string[], requestor = { username: 'system:admin', groups: ['system:masters'] }) {
  const { request } = await makeKeyAndRequest(subject);
  const csr: Csr = { metadata: { name: 'x', creationTimestamp: new Date().toISOString() }, spec: { request: Buffer.from(request).toString('base64'), signerName, usages, ...requestor } };
  return { csr, parsed: parseCertificateRequest(request) };
}

const node = (name: string, ip: string) => ({
  metadata: { name },
  status: {
    addresses: [
      { type: 'InternalIP', address: ip },
      { type: 'Hostname', address: name },
    ],
  },
});
const nodeSubject = (n: string, more: Partial<RequestSubject> = {}) => ({ commonName: `system:node:${n}`, organizations: ['system:nodes'], ...more });

test('signer rules: subjects, names and usages per signer', async () => {
  const rule = async (signer: string, subject: RequestSubject, usages: string[], names?: Set<string>) => {
    const { csr, parsed } = await csrFor(signer, subject, usages);
    return signerRuleViolation(csr, parsed, names);
  };
  assert.equal(await rule(KUBE_APISERVER_CLIENT, { commonName: 'alice', organizations: ['devs'] }, ['client auth']), undefined);
  assert.match((await rule(KUBE_APISERVER_CLIENT, { commonName: 'alice' }, ['server auth']))!, /not allowed/);
  assert.match((await rule(KUBE_APISERVER_CLIENT, { commonName: 'alice', organizations: ['system:masters'] }, ['client auth']))!, /system:masters/);
  assert.equal(await rule(KUBELET_CLIENT, nodeSubject('n1'), ['digital signature', 'client auth']), undefined);
  assert.match((await rule(KUBELET_CLIENT, { commonName: 'admin', organizations: ['system:nodes'] }, ['client auth']))!, /subject/);
  assert.match((await rule(KUBELET_CLIENT, nodeSubject('n1', { organizations: ['system:nodes', 'system:masters'] }), ['client auth']))!, /subject/);
  assert.match((await rule(KUBELET_CLIENT, nodeSubject('n1', { dnsNames: ['n1'] }), ['client auth']))!, /alternative names/);
  const names = new Set(['n1', '10.0.0.1']);
  assert.equal(await rule(KUBELET_SERVING, nodeSubject('n1', { dnsNames: ['n1'], ips: ['10.0.0.1'] }), ['digital signature', 'server auth'], names), undefined);
  assert.match((await rule(KUBELET_SERVING, nodeSubject('n1', { dnsNames: ['n1', 'evil.example'] }), ['server auth'], names))!, /evil\.example/);
  assert.match((await rule(KUBELET_SERVING, nodeSubject('n1'), ['server auth'], names))!, /at least one/);
  assert.match((await rule(KUBELET_SERVING, nodeSubject('n1', { dnsNames: ['n1'] }), ['client auth'], names))!, /not allowed/);
});

test('validity: expirationSeconds honoured, at least 600 s, at most the signer maximum', () => {
  const csr = (expirationSeconds?: number) => ({ spec: { expirationSeconds } }) as Csr;
  assert.equal(validitySeconds(csr(), 3600), 3600);
  assert.equal(validitySeconds(csr(1200), 3600), 1200);
  assert.equal(validitySeconds(csr(100), 3600), 600);
  assert.equal(validitySeconds(csr(10_000), 3600), 3600);
});

test('approver: bootstrappers get node client certificates, nodes renew their own, never another node', async () => {
  const boot = { username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] };
  const nodeA = { username: 'system:node:a', groups: ['system:nodes', 'system:authenticated'] };
  const v = async (signer: string, subject: RequestSubject, usages: string[], who: typeof boot, n?: ReturnType<typeof node>) => {
    const { csr, parsed } = await csrFor(signer, subject, usages, who);
    return approverVerdict(csr, parsed, n);
  };
  assert.deepEqual(await v(KUBELET_CLIENT, nodeSubject('a'), ['client auth'], boot), { approve: 'nodeclient' });
  assert.deepEqual(await v(KUBELET_CLIENT, nodeSubject('a'), ['client auth'], nodeA), { approve: 'selfnodeclient' });
  const other = await v(KUBELET_CLIENT, nodeSubject('b'), ['client auth'], nodeA);
  assert.equal(other && 'reason' in other ? other.reason : undefined, 'NodeNameMismatch');
  assert.ok('deny' in (await v(KUBELET_CLIENT, { commonName: 'admin', organizations: ['system:masters'] }, ['client auth'], boot))!);
  assert.equal(await v(KUBE_APISERVER_CLIENT, { commonName: 'x' }, ['client auth'], boot), undefined, 'not the kubelet signers: left pending');
  assert.equal(await v(KUBE_APISERVER_CLIENT, { commonName: 'x' }, ['client auth'], { username: 'alice', groups: [] }), undefined);
  const serving = nodeSubject('a', { dnsNames: ['a'], ips: ['10.0.0.1'] });
  assert.deepEqual(await v(KUBELET_SERVING, serving, ['server auth'], nodeA, node('a', '10.0.0.1')), { approve: 'selfnodeserving' });
  assert.ok('wait' in (await v(KUBELET_SERVING, serving, ['server auth'], nodeA, undefined))!);
  assert.ok('deny' in (await v(KUBELET_SERVING, serving, ['server auth'], nodeA, node('a', '10.0.0.2')))!);
  assert.ok('deny' in (await v(KUBELET_SERVING, nodeSubject('b', { dnsNames: ['b'] }), ['server auth'], nodeA, node('b', '10.0.0.3')))!);
});

test('signing: subject, names, usages and validity from the request; chained to the CA', async () => {
  const ca = await createCa('test-ca');
  const { request } = await makeKeyAndRequest(nodeSubject('n1', { dnsNames: ['n1'], ips: ['10.0.0.1'] }));
  const pem = await signRequest(ca, parseCertificateRequest(request), ['digital signature', 'server auth'], 600);
  const c = new X509Certificate(pem);
  assert.ok(c.verify(new X509Certificate(ca.cert).publicKey));
  assert.match(c.subject, /CN=system:node:n1/);
  assert.ok(c.checkHost('n1'));
  assert.ok(c.checkIP('10.0.0.1'));
  const life = (Date.parse(c.validTo) - Date.parse(c.validFrom)) / 1000;
  assert.ok(life >= 600 + 299 && life <= 600 + 301, String(life)); // backdated 5 minutes
  assert.equal(c.ca, false);
  assert.deepEqual(c.keyUsage, ['1.3.6.1.5.5.7.3.1']);
});

test('cleaner: decided requests go after an hour, pending ones after a day', () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const base = { metadata: { creationTimestamp: '2026-01-01T00:00:00Z' }, spec: {} } as Csr;
  assert.equal(expiresAt(base), t0 + 24 * 3600_000);
  assert.equal(expiresAt({ ...base, status: { conditions: [{ type: 'Approved', status: 'True', lastUpdateTime: '2026-01-01T00:10:00Z' }] } }), t0 + 70 * 60_000);
  assert.equal(expiresAt({ ...base, status: { conditions: [{ type: 'Denied', status: 'True', lastUpdateTime: '2026-01-01T00:00:00Z' }] } }), t0 + 3600_000);
});
