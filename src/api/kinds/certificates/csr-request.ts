// Reading a PEM PKCS#10 certificate request (spec.request of a CertificateSigningRequest): subject
// (CN, O), subject alternative names, public key, and whether its self-signature holds. Synchronous
// (validation is) and bounded: the PEM is capped before anything parses it, and @peculiar/x509 is
// loaded only when a request is first read, so servers without CSRs never pay for it.

import { createPublicKey, verify } from 'node:crypto';
import { createRequire } from 'node:module';

/** Larger requests are refused before parsing (a real CSR is well under 4 KiB). */
export const MAX_REQUEST_BYTES = 64 * 1024;

export interface ParsedRequest {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ips: string[];
  emails: string[];
  uris: string[];
  /** The public key as SubjectPublicKeyInfo DER (what the signer puts in the certificate). */
  spki: Buffer;
}

type X509Module = typeof import('@peculiar/x509');
let x509: X509Module | undefined;
function lib(): X509Module {
  if (!x509) {
    const require = createRequire(import.meta.url);
    require('reflect-metadata'); // @peculiar/x509's dependency injection needs it first
    x509 = require('@peculiar/x509') as X509Module;
  }
  return x509;
}

export class BadRequestPem extends Error {}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/g;

/** The DER of the first "CERTIFICATE REQUEST" PEM block (Go's pem.Decode accepts the same). */
function requestDer(pem: string): Buffer {
  if (pem.length > MAX_REQUEST_BYTES) throw new BadRequestPem(`the request is larger than ${MAX_REQUEST_BYTES} bytes`);
  for (const m of pem.matchAll(PEM_BLOCK)) {
    if (m[1] === 'CERTIFICATE REQUEST' || m[1] === 'NEW CERTIFICATE REQUEST') {
      const body = m[2].replace(/^[A-Za-z-]+:.*$/gm, '').replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw new BadRequestPem('PEM block type must be CERTIFICATE REQUEST');
      return Buffer.from(body, 'base64');
    }
  }
  throw new BadRequestPem('PEM block type must be CERTIFICATE REQUEST');
}

/** One DER TLV at `at`: where its contents start and where it ends. Throws on anything truncated. */
function tlv(der: Buffer, at: number): { start: number; end: number } {
  if (at + 2 > der.length) throw new BadRequestPem('asn1: truncated');
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > der.length) throw new BadRequestPem('asn1: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  if (start + len > der.length) throw new BadRequestPem('asn1: truncated');
  return { start, end: start + len };
}

/** The certificationRequestInfo bytes the signature covers (the first element of the outer SEQUENCE). */
function signedBytes(der: Buffer): Buffer {
  if (der[0] !== 0x30) throw new BadRequestPem('asn1: not a SEQUENCE');
  const outer = tlv(der, 0);
  if (der[outer.start] !== 0x30) throw new BadRequestPem('asn1: not a SEQUENCE');
  const info = tlv(der, outer.start);
  return der.subarray(outer.start, info.end);
}

const HASHES: Record<string, string> = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/** Parses and checks the self-signature; throws BadRequestPem with a short reason. */
export function parseCertificateRequest(pem: string): ParsedRequest {
  const der = requestDer(pem);
  const x = lib();
  let csr: InstanceType<X509Module['Pkcs10CertificateRequest']>;
  try {
    csr = new x.Pkcs10CertificateRequest(new Uint8Array(der));
  } catch (e) {
    throw new BadRequestPem(`x509: malformed certificate request (${(e as Error).message.slice(0, 100)})`);
  }
  let spki: Buffer;
  let ok: boolean;
  try {
    spki = Buffer.from(csr.publicKey.rawData);
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const alg = csr.signatureAlgorithm as { name: string; hash?: { name: string } };
    const hash = alg.hash ? HASHES[alg.hash.name] : null;
    if (alg.hash && !hash) throw new BadRequestPem(`x509: unsupported signature hash ${alg.hash.name}`);
    ok = verify(hash ?? null, signedBytes(der), key, Buffer.from(csr.signature));
  } catch (e) {
    if (e instanceof BadRequestPem) throw e;
    throw new BadRequestPem(`x509: cannot verify the request's signature (${(e as Error).message.slice(0, 100)})`);
  }
  if (!ok) throw new BadRequestPem('x509: ECDSA/RSA verification failure: the request is not signed by its own key');
  const san = csr.getExtension('2.5.29.17') as InstanceType<X509Module['SubjectAlternativeNameExtension']> | null;
  const names = san?.names.toJSON() ?? [];
  const of = (t: string) => names.filter((n) => n.type === t).map((n) => n.value);
  return {
    commonName: csr.subjectName.getField('CN')[0] ?? '',
    organizations: csr.subjectName.getField('O'),
    dnsNames: of('dns'),
    ips: of('ip'),
    emails: of('email'),
    uris: of('url'),
    spki,
  };
}
