import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeKeyAndRequest } from '../../../cli/csr-client.js';
import { parseCertificateRequest, BadRequestPem } from './csr-request.js';
import { validateCsr } from './csr-validation.js';
import type { Csr } from './csr.js';

test('a request made by csr-client parses: subject, SANs and a valid self-signature', async () => {
  const { request } = await makeKeyAndRequest({ commonName: 'system:node:n1', organizations: ['system:nodes'], dnsNames: ['n1'], ips: ['10.0.0.5'] });
  const p = parseCertificateRequest(request);
  assert.equal(p.commonName, 'system:node:n1');
  assert.deepEqual(p.organizations, ['system:nodes']);
  assert.deepEqual(p.dnsNames, ['n1']);
  assert.deepEqual(p.ips, ['10.0.0.5']);
});

test('a tampered request fails its signature check; garbage and oversize are refused', async () => {
  const { request } = await makeKeyAndRequest({ commonName: 'alice' });
  const der = Buffer.from(request.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  // Flip a byte inside the subject (CN "alice" → "alicf").
  const i = der.indexOf(Buffer.from('alice'));
  der[i + 4] ^= 1;
  const bad = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  assert.throws(() => parseCertificateRequest(bad), BadRequestPem);
  assert.throws(() => parseCertificateRequest('hello'), BadRequestPem);
  assert.throws(() => parseCertificateRequest('-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----'), BadRequestPem);
  assert.throws(() => parseCertificateRequest('x'.repeat(100_000)), BadRequestPem);
});

const csrOf = (spec: Partial<Csr['spec']>, status?: Csr['status']): Csr => ({ metadata: { name: 'c' }, spec: { request: '', signerName: '', ...spec } as Csr['spec'], status });

test('validation: field paths of Kubernetes', async () => {
  const { request } = await makeKeyAndRequest({ commonName: 'alice' });
  const good = { request: Buffer.from(request).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] };
  assert.deepEqual(validateCsr(csrOf(good)), []);
  const fields = (c: Csr, old?: Csr) => validateCsr(c, old).map((e) => `${e.field}:${e.reason}`);
  assert.deepEqual(fields(csrOf({ ...good, request: Buffer.from('nope').toString('base64') })), ['spec.request:FieldValueInvalid']);
  assert.deepEqual(fields(csrOf({ ...good, signerName: 'nodomain' })), ['spec.signerName:FieldValueInvalid']);
  assert.deepEqual(fields(csrOf({ ...good, usages: [] })), ['spec.usages:FieldValueRequired']);
  assert.deepEqual(fields(csrOf({ ...good, usages: ['client auth', 'client auth'] })), ['spec.usages[1]:FieldValueDuplicate']);
  assert.deepEqual(fields(csrOf({ ...good, expirationSeconds: 599 })), ['spec.expirationSeconds:FieldValueInvalid']);
  const both = csrOf(good, {
    conditions: [
      { type: 'Approved', status: 'True' },
      { type: 'Denied', status: 'True' },
    ],
  });
  assert.deepEqual(fields(both), ['status.conditions:FieldValueInvalid']);
  assert.deepEqual(fields(csrOf(good, { conditions: [{ type: 'Approved', status: 'False' }] })), ['status.conditions[0].status:FieldValueNotSupported']);
  const approved = csrOf(good, { conditions: [{ type: 'Approved', status: 'True' }] });
  assert.deepEqual(fields(csrOf(good, { conditions: [] }), approved), ['status.conditions:FieldValueForbidden']);
  assert.deepEqual(fields(csrOf(good, { certificate: Buffer.from('x').toString('base64') }), csrOf(good)), ['status.certificate:FieldValueForbidden', 'status.certificate:FieldValueInvalid']);
});
