// The client side of the CSR API, shared by `gifee agent` (node client and serving certificates) and
// `gifee user add`: make a key and a PKCS#10 request, submit a CertificateSigningRequest, and wait
// for the signer's certificate (or for Denied/Failed, which end the wait with the reason).

import { rfc3339 } from '../util/time.js';
import { webcrypto } from 'node:crypto';
import type { KObject } from '../api/kind.js';
import { type RestClient, isNotFound } from '../client/rest.js';
import { R } from '../client/resources.js';
import type { CertPair } from './pki.js';

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
export const CSR = R.certificatesigningrequests;

async function x509() {
  await import('reflect-metadata');
  const x = await import('@peculiar/x509');
  x.cryptoProvider.set(webcrypto as unknown as Crypto);
  return x;
}

const pemOf = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der)
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END ${label}-----\n`;

export interface RequestSubject {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ips?: string[];
}

/** A new P-256 key and a request for it; the key never leaves this process unless the caller stores it. */
export async function makeKeyAndRequest(s: RequestSubject): Promise<{ key: string; request: string }> {
  const x = await x509();
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const subject = [...(s.organizations ?? []).map((o) => `O=${escapeRdn(o)}`), `CN=${escapeRdn(s.commonName)}`].join(', ');
  const names = [...(s.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(s.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  const csr = await x.Pkcs10CertificateRequestGenerator.create({
    name: subject,
    keys,
    signingAlgorithm: ALG,
    extensions: names.length ? [new x.SubjectAlternativeNameExtension(names)] : [],
  });
  return { key: pemOf('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), request: csr.toString('pem') + '\n' };
}

/** RFC 4514 escaping for a value in the subject string @peculiar/x509 parses. */
function escapeRdn(v: string): string {
  return v.replace(/([,+"\\<>;=#])/g, '\\$1');
}

export interface SubmitOptions {
  name?: string;
  generateName?: string;
  signerName: string;
  usages: string[];
  expirationSeconds?: number;
  request: string;
}

export async function submitCsr(client: RestClient, o: SubmitOptions): Promise<KObject> {
  return client.create(CSR, undefined, {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: o.name ? { name: o.name } : { generateName: o.generateName ?? 'csr-' },
    spec: { request: Buffer.from(o.request).toString('base64'), signerName: o.signerName, usages: o.usages, ...(o.expirationSeconds ? { expirationSeconds: o.expirationSeconds } : {}) },
  });
}

export class CsrRefused extends Error {}

/** Polls until status.certificate is set; Denied or Failed end the wait with their message. */
export async function waitForCertificate(client: RestClient, name: string, timeoutMs = 120_000, pollMs = 500): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let csr: KObject | undefined;
    try {
      csr = await client.get(CSR, undefined, name);
    } catch (e) {
      if (isNotFound(e)) throw new CsrRefused(`the certificate signing request ${name} was deleted before it was signed`);
      if (Date.now() > deadline) throw e;
    }
    const status = (csr?.status ?? {}) as { certificate?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
    const refused = status.conditions?.find((c) => (c.type === 'Denied' || c.type === 'Failed') && c.status === 'True');
    if (refused) throw new CsrRefused(`the certificate signing request ${name} was ${refused.type.toLowerCase()}: ${refused.reason ?? ''} ${refused.message ?? ''}`.trim());
    if (status.certificate) return Buffer.from(status.certificate, 'base64').toString('utf8');
    if (Date.now() > deadline) throw new Error(`timed out waiting for the certificate of ${name}: is it approved? (kubectl certificate approve ${name})`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Approves a request (as kubectl certificate approve does: the approval subresource). */
export async function approveCsr(client: RestClient, name: string, reason: string, message: string): Promise<void> {
  const csr = await client.get(CSR, undefined, name);
  const status = (csr.status ?? {}) as { conditions?: unknown[] };
  const now = rfc3339();
  csr.status = { ...status, conditions: [...(status.conditions ?? []), { type: 'Approved', status: 'True', reason, message, lastUpdateTime: now }] };
  await client.update(CSR, csr, 'approval');
}

/** A request made and signed in one go: the key and the issued certificate. */
export async function requestCertificate(client: RestClient, subject: RequestSubject, o: Omit<SubmitOptions, 'request'> & { approve?: { reason: string; message: string }; timeoutMs?: number }): Promise<CertPair & { csrName: string }> {
  const { key, request } = await makeKeyAndRequest(subject);
  const created = await submitCsr(client, { ...o, request });
  const name = created.metadata!.name!;
  if (o.approve) await approveCsr(client, name, o.approve.reason, o.approve.message);
  const cert = await waitForCertificate(client, name, o.timeoutMs);
  return { cert, key, csrName: name };
}
