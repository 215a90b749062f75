// A renewed leaf certificate is the old one again with a new key and new dates: same subject (CN and
// O, which are the user and groups the API server reads), same names, same usage. Read from the
// certificate itself, so the rotation loop needs no list of who is what, and a certificate made
// with --tls-san names keeps them.

import { X509Certificate } from 'node:crypto';
import { type CertPair, issueCert, type IssueOptions } from '../pki.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
/** Far more than any gifee certificate carries: a certificate with more is not ours to copy. */
const MAX_NAMES = 256;

/** What to issue to replace a certificate (throws on one that is not a gifee leaf). */
export function reissueOptions(pem: string, validityMs: number): IssueOptions {
  const c = new X509Certificate(pem);
  if (c.ca) throw new Error('a CA certificate is not a leaf to renew');
  const rdns = c.subject.split('\n');
  const commonName = rdns.find((r) => r.startsWith('CN='))?.slice(3);
  if (!commonName) throw new Error('the certificate has no common name');
  const organizations = rdns.filter((r) => r.startsWith('O=')).map((r) => r.slice(2));
  const names = (c.subjectAltName ?? '').split(', ').filter(Boolean);
  if (names.length > MAX_NAMES) throw new Error(`the certificate names ${names.length} subjects, more than ${MAX_NAMES}`);
  const dnsNames = names.filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));
  const ips = names.filter((n) => n.startsWith('IP Address:')).map((n) => n.slice('IP Address:'.length));
  const eku = Array.isArray(c.keyUsage) ? c.keyUsage : [];
  const server = eku.includes(SERVER_AUTH);
  const client = eku.includes(CLIENT_AUTH);
  const usage = server && client ? 'both' : server ? 'server' : 'client';
  return { commonName, organizations, dnsNames, ips, usage, validityMs };
}

export async function reissue(ca: CertPair, pem: string, validityMs: number): Promise<CertPair> {
  return issueCert(ca, reissueOptions(pem, validityMs));
}
