// Validation of CertificateSigningRequests, worded like Kubernetes': the request must be a parseable,
// self-signed PKCS#10 request; signerName a qualified name; usages known and unique; conditions
// Approved/Denied/Failed only True, Approved and Denied exclusive, never removed once set; the
// certificate PEM, set only on an approved request and never changed after.

import { X509Certificate } from 'node:crypto';
import { fieldErr } from '../../errors.js';
import type { FieldError } from '../../kind.js';
import { dns1123Subdomain } from '../../names.js';
import type { Csr } from './csr.js';
import { BadRequestPem, parseCertificateRequest, type ParsedRequest } from './csr-request.js';

export const KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
];

/** Shortest validity a request may ask for, as Kubernetes. */
export const MIN_EXPIRATION_SECONDS = 600;

/** Types whose status may only be True and that appear at most once. */
const EXCLUSIVE_TYPES = ['Approved', 'Denied', 'Failed'];

/** spec.request (base64 of PEM) decoded and parsed; a BadRequestPem says why not. */
export function requestOf(csr: Pick<Csr, 'spec'>): ParsedRequest {
  const b64 = csr.spec?.request;
  if (typeof b64 !== 'string' || b64 === '') throw new BadRequestPem('empty request');
  return parseCertificateRequest(Buffer.from(b64, 'base64').toString('latin1'));
}

/** A signer name: a DNS subdomain, '/', then a path (Kubernetes' ValidateSignerName, simplified). */
export function signerNameErrors(name: string): string[] {
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) return ["must be a fully qualified domain and path of the form 'example.com/signer-name'"];
  const domain = name.slice(0, slash);
  const path = name.slice(slash + 1);
  const errs = dns1123Subdomain(domain).map((e) => `validating domain component: ${e}`);
  if (!domain.includes('.')) errs.push('should be a domain with at least two segments separated by dots');
  if (name.length > 571) errs.push('must be no more than 571 characters');
  if (/[^A-Za-z0-9._~/-]/.test(path) || path.split('/').some((seg) => seg === '')) errs.push('path component must be a valid URL path');
  return errs;
}

const isApproved = (c: Csr) => (c.status?.conditions ?? []).some((x) => x.type === 'Approved' && x.status === 'True');

export function validateCsr(csr: Csr, old?: Csr): FieldError[] {
  const errs: FieldError[] = [];
  const spec = csr.spec ?? ({} as Csr['spec']);
  // The spec cannot change after create (the storage copies it over), so check it only once.
  if (!old) {
    if (!spec.request) errs.push(fieldErr.required('spec.request'));
    else {
      try {
        requestOf(csr);
      } catch (e) {
        errs.push(fieldErr.invalid('spec.request', '<request>', e instanceof BadRequestPem ? e.message : 'cannot be parsed'));
      }
    }
    if (!spec.signerName) errs.push(fieldErr.required('spec.signerName'));
    else for (const m of signerNameErrors(spec.signerName)) errs.push(fieldErr.invalid('spec.signerName', spec.signerName, m));
    if (!spec.usages || spec.usages.length === 0) errs.push(fieldErr.required('spec.usages'));
    else {
      const seen = new Set<string>();
      spec.usages.forEach((u, i) => {
        if (seen.has(u)) errs.push(fieldErr.duplicate(`spec.usages[${i}]`, u));
        seen.add(u);
      });
    }
    if (typeof spec.expirationSeconds === 'number' && spec.expirationSeconds < MIN_EXPIRATION_SECONDS) {
      errs.push(fieldErr.invalid('spec.expirationSeconds', spec.expirationSeconds, `may not specify a duration less than ${MIN_EXPIRATION_SECONDS} seconds (10 minutes)`));
    }
  }
  errs.push(...conditionErrors(csr, old));
  errs.push(...certificateErrors(csr, old));
  return errs;
}

function conditionErrors(csr: Csr, old?: Csr): FieldError[] {
  const errs: FieldError[] = [];
  const conds = csr.status?.conditions ?? [];
  const seen = new Set<string>();
  conds.forEach((c, i) => {
    const f = `status.conditions[${i}]`;
    if (!c.type) errs.push(fieldErr.required(`${f}.type`));
    if (EXCLUSIVE_TYPES.includes(c.type)) {
      if (seen.has(c.type)) errs.push(fieldErr.duplicate(`${f}.type`, c.type));
      if (c.status !== 'True') errs.push(fieldErr.notSupported(`${f}.status`, c.status ?? '', ['True']));
    } else if (c.type && !['True', 'False', 'Unknown'].includes(c.status)) {
      errs.push(fieldErr.notSupported(`${f}.status`, c.status ?? '', ['False', 'True', 'Unknown']));
    }
    seen.add(c.type);
  });
  if (seen.has('Approved') && seen.has('Denied')) errs.push(fieldErr.invalid('status.conditions', 'Approved, Denied', 'Approved and Denied conditions are mutually exclusive'));
  for (const t of ['Approved', 'Denied']) {
    if ((old?.status?.conditions ?? []).some((c) => c.type === t) && !seen.has(t)) {
      errs.push(fieldErr.forbidden('status.conditions', `updates may not remove a condition of type "${t}"`));
    }
  }
  return errs;
}

function certificateErrors(csr: Csr, old?: Csr): FieldError[] {
  const cert = csr.status?.certificate;
  const before = old?.status?.certificate;
  if (before && cert !== before) return [fieldErr.forbidden('status.certificate', 'updates may not modify existing certificate content')];
  if (!cert || cert === before) return [];
  const errs: FieldError[] = [];
  if (!isApproved(csr)) errs.push(fieldErr.forbidden('status.certificate', 'a certificate may only be issued for an approved request'));
  const pem = Buffer.from(cert, 'base64').toString('latin1');
  const blocks = [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)];
  if (blocks.length === 0 || pem.length > 256 * 1024) errs.push(fieldErr.invalid('status.certificate', '<certificate data>', 'must contain at least one CERTIFICATE PEM block'));
  else {
    try {
      for (const b of blocks) new X509Certificate(b[0]);
    } catch (e) {
      errs.push(fieldErr.invalid('status.certificate', '<certificate data>', (e as Error).message.slice(0, 100)));
    }
  }
  return errs;
}
